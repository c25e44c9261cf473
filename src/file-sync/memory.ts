/**
 * Keeps the memory of a long streamed copy flat.
 *
 * Every socket read hands over a fresh 64 KiB buffer that is garbage once written to disk. V8
 * frees such buffers only when its young generation fills up with JavaScript objects (which a
 * copy hardly makes) or when some 64 MB of them have piled up, so a copy of a large object
 * would peak 35-50 MB above the process's baseline. A young-generation collection every few
 * MiB keeps that to about 10 MB; it costs well under a millisecond, as almost nothing in the
 * young generation is alive.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

let collect: Collect | null | undefined;

/** V8's collector: `global.gc` when the process was started with it, else enabled now; `null` if neither works. */
function collector(): Collect | null {
  if (collect === undefined) {
    const existing = (globalThis as { gc?: unknown }).gc;
    if (typeof existing === 'function') {
      collect = existing as Collect;
    } else {
      try {
        // Only makes `gc` available to contexts created from now on; the main one is unchanged.
        setFlagsFromString('--expose-gc');
        const fn = runInNewContext('gc');
        collect = typeof fn === 'function' ? fn as Collect : null;
      } catch {
        collect = null;
      }
    }
  }
  return collect;
}

/**
 * Returns a `data` listener that runs a young-generation collection every `everyBytes` bytes,
 * or `undefined` when the collector cannot be had (then memory is merely less flat).
 */
export function scavengeEvery(everyBytes: number): ((chunk: { length: number }) => void) | undefined {
  const gc = collector();
  if (!gc) return undefined;
  let since = 0;
  return chunk => {
    since += chunk.length;
    if (since >= everyBytes) {
      since = 0;
      gc({ type: 'minor' });
    }
  };
}
