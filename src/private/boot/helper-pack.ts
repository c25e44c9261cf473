import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/**
 * The boot helper as the user data carries it, gzipped when the library is built
 * (`npx projen bundle`) and shipped in the package, so every machine that synthesizes the same
 * library version with the same props writes the same user data. Compressing at synth time would
 * not: deflate's output depends on the zlib build, and gzip's header records the operating system.
 * The same path from `src/` and `lib/`.
 */
export const PACKED_HELPER_ASSET = path.join(__dirname, '..', '..', '..', 'assets', 'private', 'boot', 'panintelligence-boot.gz');

/** Where the helper's source lives, beside this module in src/private/boot/ (and lib/private/boot/). */
export const HELPER_SOURCE = path.join(__dirname, 'panintelligence-boot.sh');

/**
 * The gzip header the packed helper starts with: magic, deflate, no flags, modification time 0,
 * no extra flags, operating system 255 ("unknown"). Fixed here rather than left to zlib, which
 * writes the OS of the machine that built it (3 on Linux, 19 on macOS, 10 on Windows).
 */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

/**
 * The helper as installed: the script without its whole-line comments (except the shebang), with
 * Unix line ends and one final newline. Safe because none of the helper's heredocs holds a line
 * whose meaning depends on a leading '#' (Python and unit-file comments).
 */
export function helperScript(source: string): string {
  return source
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((line, index) => index === 0 || !/^\s*#/.test(line))
    .join('\n')
    .trimEnd() + '\n';
}

/** gzip of `script` with the fixed header: raw deflate, then CRC-32 and length (RFC 1952). */
export function packHelper(script: string): Buffer {
  const data = Buffer.from(script, 'utf-8');
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, zlib.deflateRawSync(data, { level: 9 }), trailer]);
}

/** Writes the packed helper asset from the source beside this module. Run by the build. */
export function writePackedHelper(): string {
  fs.mkdirSync(path.dirname(PACKED_HELPER_ASSET), { recursive: true });
  fs.writeFileSync(PACKED_HELPER_ASSET, packHelper(helperScript(fs.readFileSync(HELPER_SOURCE, 'utf-8'))));
  return PACKED_HELPER_ASSET;
}
