import { DATA_DIRECTORIES, decodeEventKey, mapKey, MappedKey, TEMP_PREFIX } from '../../src/file-sync/keys';

function mapped(key: string): MappedKey {
  const result = mapKey(key);
  if (result.kind !== 'file') throw new Error(`${key} was skipped: ${result.reason} (${result.detail})`);
  return result;
}

describe('prefix to directory mapping', () => {
  test.each([
    ['images/logo.png', 'images', ['logo.png']],
    ['themes/piBerry/theme.css', 'themes', ['piBerry', 'theme.css']],
    ['excel-data/sales.xlsx', 'excel', ['sales.xlsx']],
    ['excel/sales.xlsx', 'excel', ['sales.xlsx']],
    ['svg/maps/uk/regions.svg', 'svg', ['maps', 'uk', 'regions.svg']],
  ])('%s goes to %s', (key, directory, segments) => {
    expect(mapped(key)).toEqual({ kind: 'file', key, directory, segments });
  });

  test('the synced directories are exactly the four upload targets', () => {
    expect([...DATA_DIRECTORIES].sort()).toEqual(['excel', 'images', 'svg', 'themes']);
  });

  test.each([
    'keys/private.pem', // never writable from S3
    'logs/app.log',
    'other/file.txt',
    'Images/logo.png', // prefixes are case-sensitive, as S3 keys are
    'imagesx/logo.png',
    'excelx/a.csv',
    'excel-datax/a.csv',
    'images', // no slash: not under the prefix
    'logo.png',
    '/images/logo.png',
    '',
  ])('%j is under no synced prefix', key => {
    expect(mapKey(key)).toMatchObject({ kind: 'skip', reason: 'unknown-prefix' });
  });

  test.each([
    'images/',
    'themes/piBerry/',
    'excel-data/',
    'svg/a/b/c/',
  ])('%s is a folder placeholder', key => {
    expect(mapKey(key)).toMatchObject({ kind: 'skip', reason: 'placeholder' });
  });
});

describe('keys that would leave their directory are refused', () => {
  test.each([
    'images/../keys/private.pem',
    'images/../../etc/passwd',
    'images/a/../../b',
    'images/..',
    'images/../',
    'images/.',
    'images/./a.png',
    'images//etc/passwd', // an absolute path after the prefix
    'images/a//b.png', // would alias images/a/b.png
    'images/a\\..\\..\\b.png',
    'images/a\\b.png',
    'images/a\0.png',
    'images/\0/../x',
    `images/${'x'.repeat(256)}`,
    `images/${'é'.repeat(128)}`, // 256 bytes in UTF-8
    `images/${TEMP_PREFIX}0123abcd.tmp`,
    `themes/a/${TEMP_PREFIX}x`,
  ].map(key => [key.length > 48 ? `${key.slice(0, 45)}...` : key, key]))('%j', (_title, key) => {
    expect(mapKey(key)).toMatchObject({ kind: 'skip', reason: 'refused' });
  });

  test('names up to 255 bytes are fine', () => {
    expect(mapped(`images/${'x'.repeat(255)}`).segments).toEqual(['x'.repeat(255)]);
  });

  test('dots inside names are fine', () => {
    expect(mapped('images/..hidden/a..b/.c').segments).toEqual(['..hidden', 'a..b', '.c']);
  });
});

describe('event key decoding', () => {
  test.each([
    ['images/my+photo.png', 'images/my photo.png'],
    ['images/a%2Bb.png', 'images/a+b.png'],
    ['images/caf%C3%A9/%C3%BC.png', 'images/café/ü.png'],
    ['images/100%25.png', 'images/100%.png'],
    ['themes/piBerry/theme.css', 'themes/piBerry/theme.css'],
    ['images/%252e%252e/x', 'images/%2e%2e/x'], // decoded once only
  ])('%s decodes to %s', (raw, key) => {
    expect(decodeEventKey(raw)).toBe(key);
  });

  test.each(['images/%E0%A4%A', 'images/%', 'images/%zz'])('%s is malformed', raw => {
    expect(decodeEventKey(raw)).toBeUndefined();
  });

  test.each([
    'images/%2e%2e/%2e%2e/etc/passwd',
    'images/%2E%2E%2Fkeys%2Fa.pem',
    'images/..%2F..%2Fx',
    'images/a%5C..%5C..%5Cx',
    'images/a%00.png',
    'images/%2Fetc%2Fpasswd',
  ])('encoded hostile key %s is refused once decoded', raw => {
    expect(mapKey(decodeEventKey(raw)!)).toMatchObject({ kind: 'skip', reason: 'refused' });
  });

  test('a double-encoded dot-dot is a harmless literal name', () => {
    expect(mapped(decodeEventKey('images/%252e%252e/x')!).segments).toEqual(['%2e%2e', 'x']);
  });
});
