/**
 * Pure mapping from S3 object keys in the uploads bucket to files under the dashboard's data
 * directories. No I/O here, so the rules can be tested on their own and shared by the handler
 * (what to write) and the construct (which prefixes to subscribe to).
 */

/** Where the dashboard's data directories live, relative to the root of the file system. */
export const DATA_ROOT = 'var/panintelligence';

/**
 * The numeric user and group that own the data on the file system, as NFS sees them. The sync
 * function writes as them (its access point's POSIX user), and every instance gives the image's
 * `pi-user` and `pi-group` these ids at first boot, so files either side makes belong to the
 * dashboard. Chosen outside the ranges Ubuntu hands out to system and first login users.
 */
export const DATA_OWNER = { uid: 8224, gid: 8224 } as const;

/**
 * Upload prefixes and the data directory each one fills. `keys` and `logs` are deliberately
 * absent: nothing in the bucket may ever write there.
 */
export const PREFIX_DIRECTORIES: ReadonlyArray<{ readonly prefix: string; readonly directory: string }> = [
  { prefix: 'images/', directory: 'images' },
  { prefix: 'themes/', directory: 'themes' },
  { prefix: 'excel-data/', directory: 'excel' },
  { prefix: 'excel/', directory: 'excel' },
  { prefix: 'svg/', directory: 'svg' },
];

/** The data directories the sync writes to, each once. */
export const DATA_DIRECTORIES: readonly string[] = [...new Set(PREFIX_DIRECTORIES.map(p => p.directory))];

/**
 * Name prefix of the temporary files a copy writes before renaming them into place. Keys whose
 * names start with it are refused, so a sweep of leftovers can never delete an uploaded file.
 */
export const TEMP_PREFIX = '.pi-sync-';

/** Longest file or directory name (in bytes) that Linux and EFS accept. */
const MAX_NAME_BYTES = 255;

/** A key that maps to a file inside a data directory. */
export interface MappedKey {
  readonly kind: 'file';
  /** The decoded object key. */
  readonly key: string;
  /** The data directory, e.g. `excel`. */
  readonly directory: string;
  /** Path components below the data directory; the last one is the file name. */
  readonly segments: readonly string[];
}

/** A key that is not synced, and why. Nothing is written for it and it is not an error. */
export interface SkippedKey {
  readonly kind: 'skip';
  readonly key: string;
  readonly reason: 'unknown-prefix' | 'placeholder' | 'refused';
  readonly detail: string;
}

export type KeyMapping = MappedKey | SkippedKey;

/**
 * Decodes a key as it appears in an S3 event notification: form-URL-encoded, so `+` is a
 * space and a literal plus arrives as `%2B`. Decoded exactly once: `%252e` is the literal
 * name `%2e`, not a dot. Returns `undefined` for malformed encodings.
 */
export function decodeEventKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

/**
 * Maps a decoded object key to its place under a data directory, or says why it is skipped.
 *
 * Refused: NUL or backslash anywhere, an empty, `.` or `..` component (two keys must never
 * map to one file, and none may leave its directory), a name longer than 255 bytes, and
 * names reserved for temporary files. Keys ending in `/` are folder placeholders.
 */
export function mapKey(key: string): KeyMapping {
  const skip = (reason: SkippedKey['reason'], detail: string): SkippedKey => ({ kind: 'skip', key, reason, detail });

  if (key.includes('\0')) return skip('refused', 'contains NUL');
  if (key.includes('\\')) return skip('refused', 'contains a backslash');

  const match = PREFIX_DIRECTORIES.find(p => key.startsWith(p.prefix));
  if (!match) return skip('unknown-prefix', 'not under a synced prefix');

  const rest = key.slice(match.prefix.length);
  const placeholder = rest === '' || rest.endsWith('/');
  // Check a placeholder's components too, so a hostile one is reported as refused.
  const segments = (placeholder ? rest.slice(0, -1) : rest).split('/');
  if (rest !== '') {
    for (const segment of segments) {
      if (segment === '') return skip('refused', 'empty path component (absolute path or doubled slash)');
      if (segment === '.' || segment === '..') return skip('refused', `"${segment}" path component`);
      if (Buffer.byteLength(segment, 'utf8') > MAX_NAME_BYTES) return skip('refused', `path component longer than ${MAX_NAME_BYTES} bytes`);
      if (segment.startsWith(TEMP_PREFIX)) return skip('refused', `name reserved for temporary files (${TEMP_PREFIX}*)`);
    }
  }
  if (placeholder) return skip('placeholder', 'folder placeholder');

  return { kind: 'file', key, directory: match.directory, segments };
}
