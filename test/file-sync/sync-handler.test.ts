/**
 * The sync handler against a real S3-protocol server on loopback and a real directory tree.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  BUCKET, created, deleteObject, handlerEnvironment, listTree, LocalS3, modeOf, putObject, removed, s3Event, testClient,
} from './helpers';
import { TEMP_PREFIX } from '../../src/file-sync/keys';
import { handler } from '../../src/file-sync/sync.lambda';

const s3 = new LocalS3();
/** A bucket of the same server that the function was not deployed for. */
const OTHER_BUCKET = 'someone-elses';
let client: S3Client;
const savedEnv = { ...process.env };
let caseDir: string;
let mount: string;
let logs: string[];

/** Where a file of a data directory lives under the mount. */
const data = (...parts: string[]) => path.join(mount, 'var', 'panintelligence', ...parts);
const read = (...parts: string[]) => readFileSync(data(...parts), 'utf8');

beforeAll(async () => {
  await s3.start();
  client = testClient(s3.port);
  Object.assign(process.env, handlerEnvironment(s3.port, '/nonexistent'));
});

afterAll(async () => {
  client.destroy();
  await s3.stop();
  process.env = savedEnv;
});

beforeEach(async () => {
  caseDir = mkdtempSync(path.join(tmpdir(), 'file-sync-'));
  mount = path.join(caseDir, 'mount');
  mkdirSync(mount);
  process.env.MOUNT_PATH = mount;
  logs = [];
  for (const method of ['log', 'warn', 'error'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
  }
  // An empty bucket for every test.
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  for (const obj of listed.Contents ?? []) await deleteObject(client, obj.Key!);
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(caseDir, { recursive: true, force: true });
});

/** Puts an object and delivers its ObjectCreated event. */
async function upload(key: string, body: string): Promise<void> {
  await putObject(client, key, body);
  await handler(created(key));
}

/** Every temporary file left anywhere under the case directory. */
function leftovers(): string[] {
  return listTree(caseDir).filter(p => path.basename(p).startsWith(TEMP_PREFIX));
}

describe('copies', () => {
  test.each([
    ['images/logo.png', ['images', 'logo.png']],
    ['themes/piBerry/theme.css', ['themes', 'piBerry', 'theme.css']],
    ['excel-data/sales.csv', ['excel', 'sales.csv']],
    ['excel/costs.csv', ['excel', 'costs.csv']],
    ['svg/maps/uk/regions.svg', ['svg', 'maps', 'uk', 'regions.svg']],
  ])('%s lands at var/panintelligence/%s', async (key, parts) => {
    await upload(key, `content of ${key}`);
    expect(read(...parts)).toBe(`content of ${key}`);
    expect(listTree(path.join(mount, 'var', 'panintelligence'))).toEqual(
      parts.map((_, i) => parts.slice(0, i + 1).join('/')),
    );
  });

  test('decodes the event key: + is a space, %2B a plus, UTF-8 percent-escapes', async () => {
    await putObject(client, 'images/my photo+1 (2).png', 'a');
    await putObject(client, 'themes/café/ü.css', 'b');
    await handler(s3Event('ObjectCreated:Put', 'images/my+photo%2B1+%282%29.png'));
    await handler(s3Event('ObjectCreated:Put', 'themes/caf%C3%A9/%C3%BC.css'));
    expect(read('images', 'my photo+1 (2).png')).toBe('a');
    expect(read('themes', 'café', 'ü.css')).toBe('b');
  });

  test('with DATA_ROOT=. (an access point rooted at the data root) the data directories are right under the mount', async () => {
    process.env.DATA_ROOT = '.';
    try {
      await upload('themes/t/theme.css', 'css');
    } finally {
      delete process.env.DATA_ROOT;
    }
    expect(readFileSync(path.join(mount, 'themes', 't', 'theme.css'), 'utf8')).toBe('css');
    expect(listTree(mount)).toEqual(['themes', 'themes/t', 'themes/t/theme.css']);
  });

  test('an empty object is a file too', async () => {
    await upload('images/empty.txt', '');
    expect(statSync(data('images', 'empty.txt')).size).toBe(0);
  });

  test('an overwrite replaces the file as a whole', async () => {
    await upload('themes/t/theme.css', 'version 1');
    const before = statSync(data('themes', 't', 'theme.css'));
    await upload('themes/t/theme.css', 'version 2, longer');
    const after = statSync(data('themes', 't', 'theme.css'));
    expect(read('themes', 't', 'theme.css')).toBe('version 2, longer');
    // Renamed into place, not rewritten: a reader of the old file is never handed a mix.
    expect(after.ino).not.toBe(before.ino);
    expect(modeOf(after.mode)).toBe(0o644);
  });

  test('the file gets the object\'s modification time', async () => {
    await upload('images/a.png', 'x');
    const mtime = statSync(data('images', 'a.png')).mtimeMs;
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'images/a.png' }));
    expect(Math.floor(mtime / 1000)).toBe(Math.floor(head.LastModified!.getTime() / 1000));
  });

  test('handles every record of an event', async () => {
    await putObject(client, 'images/one.png', '1');
    await putObject(client, 'images/two.png', '2');
    const event = { Records: [...created('images/one.png').Records, ...created('images/two.png').Records] };
    await handler(event);
    expect(read('images', 'one.png')).toBe('1');
    expect(read('images', 'two.png')).toBe('2');
  });

  test('accepts event names with the s3: prefix', async () => {
    await putObject(client, 'images/a.png', 'a');
    await handler(s3Event('s3:ObjectCreated:Copy', 'images/a.png'));
    expect(read('images', 'a.png')).toBe('a');
  });
});

describe('deletes', () => {
  test('ObjectRemoved deletes the file and the directories it leaves empty', async () => {
    await upload('themes/piBerry/fonts/a.woff', 'a');
    await upload('themes/piBerry/theme.css', 'css');
    await deleteObject(client, 'themes/piBerry/fonts/a.woff');
    await handler(removed('themes/piBerry/fonts/a.woff'));
    expect(existsSync(data('themes', 'piBerry', 'fonts'))).toBe(false);
    expect(read('themes', 'piBerry', 'theme.css')).toBe('css');

    await deleteObject(client, 'themes/piBerry/theme.css');
    await handler(removed('themes/piBerry/theme.css'));
    expect(existsSync(data('themes', 'piBerry'))).toBe(false);
    // The data directory itself stays.
    expect(statSync(data('themes')).isDirectory()).toBe(true);
  });

  test('a delete of a file that is not there does nothing and does not fail', async () => {
    await handler(removed('images/never-synced.png'));
    await handler(removed('images/deep/never/synced.png'));
    expect(listTree(mount)).toEqual([]);
  });

  test('a delete marker (versioned bucket) deletes too', async () => {
    await upload('images/a.png', 'a');
    await deleteObject(client, 'images/a.png');
    await handler(s3Event('ObjectRemoved:DeleteMarkerCreated', 'images/a.png'));
    expect(existsSync(data('images', 'a.png'))).toBe(false);
  });

  test('never deletes a directory that holds a file under the key', async () => {
    mkdirSync(data('images', 'dir.png'), { recursive: true });
    writeFileSync(data('images', 'dir.png', 'keep'), 'k');
    await handler(removed('images/dir.png'));
    expect(read('images', 'dir.png', 'keep')).toBe('k');
  });
});

describe('events are checked against the bucket, so replays and reordering converge', () => {
  test('a create whose object is gone writes nothing', async () => {
    await putObject(client, 'images/gone/a.png', 'a');
    await deleteObject(client, 'images/gone/a.png');
    await handler(created('images/gone/a.png'));
    expect(listTree(mount)).toEqual([]);
  });

  test('a create whose object is gone leaves an existing file to its delete event', async () => {
    await upload('images/a.png', 'a');
    await deleteObject(client, 'images/a.png');
    await handler(created('images/a.png')); // a replay, delivered before the delete
    expect(read('images', 'a.png')).toBe('a');
    await handler(removed('images/a.png'));
    expect(existsSync(data('images', 'a.png'))).toBe(false);
  });

  test('a delete whose object exists again deletes nothing', async () => {
    await upload('images/a.png', 'first');
    await deleteObject(client, 'images/a.png');
    await putObject(client, 'images/a.png', 'second');
    await handler(removed('images/a.png')); // the stale delete arrives late
    expect(existsSync(data('images', 'a.png'))).toBe(true);
    await handler(created('images/a.png'));
    expect(read('images', 'a.png')).toBe('second');
  });

  test('a replayed old create copies the current object, not the old one', async () => {
    await upload('images/a.png', 'v1');
    await upload('images/a.png', 'v2');
    await handler(created('images/a.png'));
    expect(read('images', 'a.png')).toBe('v2');
  });

  /** Every ordering of `events`, each event possibly delivered twice, must reach `expected`. */
  async function everyOrder(key: string, events: Array<ReturnType<typeof created>>, expected: string | undefined) {
    const permutations = (items: number[]): number[][] => items.length <= 1 ? [items]
      : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map(rest => [item, ...rest]));
    for (const order of permutations(events.map((_, i) => i))) {
      for (const replay of [false, true]) {
        const deliveries = replay ? [...order, ...order.slice().reverse()] : order;
        for (const i of deliveries) await handler(events[i]);
        const file = data(...key.split('/'));
        expect({ order: deliveries, content: existsSync(file) ? readFileSync(file, 'utf8') : undefined })
          .toEqual({ order: deliveries, content: expected });
      }
    }
  }

  test('create, overwrite, delete, create again: every order ends with the last object', async () => {
    const key = 'themes/t/theme.css';
    await putObject(client, key, 'v1');
    await putObject(client, key, 'v2');
    await deleteObject(client, key);
    await putObject(client, key, 'v3');
    await everyOrder(key, [created(key), created(key), removed(key), created(key)], 'v3');
  });

  test('create, overwrite, delete: every order ends with no file', async () => {
    const key = 'svg/a/b.svg';
    await putObject(client, key, 'v1');
    await putObject(client, key, 'v2');
    await deleteObject(client, key);
    // Seed a copy, as if the first create had already been handled.
    writeFileSync(path.join(mkdirSync(data('svg', 'a'), { recursive: true })!, 'b.svg'), 'v1');
    await everyOrder(key, [created(key), created(key), removed(key)], undefined);
  });

  test('excel/ and excel-data/ share a directory: the newest object wins, excel-data/ on a tie', async () => {
    // excel-data/ is written last, so it wins whether or not the second ticked over.
    await upload('excel/a.csv', 'from excel/');
    await upload('excel-data/a.csv', 'from excel-data/');
    expect(read('excel', 'a.csv')).toBe('from excel-data/');
    // A replayed create of the other key does not bring the older object back.
    await handler(created('excel/a.csv'));
    expect(read('excel', 'a.csv')).toBe('from excel-data/');
    // Deleting the winner falls back to the other key's object, rather than deleting the file.
    await deleteObject(client, 'excel-data/a.csv');
    await handler(removed('excel-data/a.csv'));
    expect(read('excel', 'a.csv')).toBe('from excel/');
    await deleteObject(client, 'excel/a.csv');
    await handler(removed('excel/a.csv'));
    expect(existsSync(data('excel', 'a.csv'))).toBe(false);
  });
});

describe('keys that are not synced write nothing and do not fail', () => {
  test.each([
    ['..', 'images/../../escape.txt'],
    ['encoded ..', 'images/%2e%2e/%2e%2e/escape.txt'],
    ['encoded slash', 'images/..%2F..%2Fescape.txt'],
    ['upper-case escapes', 'images/%2E%2E%2F%2E%2E%2Fescape.txt'],
    ['.. in the middle', 'themes/a/../../../escape.txt'],
    ['absolute after the prefix', 'images//tmp/escape.txt'],
    ['encoded absolute', 'images/%2Ftmp%2Fescape.txt'],
    ['backslash', 'images/..%5C..%5Cescape.txt'],
    ['NUL', 'images/escape.txt%00.png'],
    ['bare ..', 'images/..'],
    ['dot', 'images/./a.png'],
    ['malformed escape', 'images/%E0%A4%A.png'],
    ['temporary-file name', `images/${TEMP_PREFIX}abc.tmp`],
    ['placeholder', 'images/folder/'],
    ['prefix placeholder', 'themes/'],
    ['unknown prefix', 'keys/id_rsa'],
    ['logs prefix', 'logs/app.log'],
    ['absolute key', '%2Fimages%2Fa.png'],
    ['no prefix', 'escape.txt'],
  ])('%s: %s', async (_title, rawKey) => {
    await handler(s3Event('ObjectCreated:Put', rawKey));
    await handler(s3Event('ObjectRemoved:Delete', rawKey));
    expect(listTree(caseDir)).toEqual(['mount']);
  });

  test('an unknown prefix is logged, even when the object exists', async () => {
    await putObject(client, 'keys/id_rsa', 'secret');
    await putObject(client, 'other/a.txt', 'a');
    await handler(created('keys/id_rsa'));
    await handler(created('other/a.txt'));
    expect(listTree(mount)).toEqual([]);
    expect(logs.filter(l => l.includes('unknown-prefix'))).toHaveLength(2);
  });

  test('a placeholder object makes no directory', async () => {
    await putObject(client, 'images/folder/', '');
    await handler(created('images/folder/'));
    expect(listTree(mount)).toEqual([]);
  });

  test('events of other kinds, test events and unknown payloads are ignored', async () => {
    await putObject(client, 'images/a.png', 'a');
    await handler(s3Event('ObjectRestore:Completed', 'images/a.png'));
    await handler({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET });
    await handler({});
    await handler({ Records: [{}] });
    expect(listTree(mount)).toEqual([]);
  });

  test('a symbolic link in the tree cannot steer a write or a delete outside', async () => {
    const outside = path.join(caseDir, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'victim.png'), 'keep me');
    mkdirSync(data('images'), { recursive: true });
    symlinkSync(outside, data('images', 'link'));

    await putObject(client, 'images/link/new.png', 'x');
    await handler(created('images/link/new.png'));
    await handler(removed('images/link/victim.png'));
    expect(listTree(outside)).toEqual(['victim.png']);
    expect(readFileSync(path.join(outside, 'victim.png'), 'utf8')).toBe('keep me');
    expect(lstatSync(data('images', 'link')).isSymbolicLink()).toBe(true);
  });

  test('a directory where the file should go is left alone, with no leftovers', async () => {
    mkdirSync(data('images', 'taken.png', 'inner'), { recursive: true });
    await putObject(client, 'images/taken.png', 'x');
    await handler(created('images/taken.png'));
    expect(statSync(data('images', 'taken.png')).isDirectory()).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  test('a file where a directory should go is left alone, with no leftovers', async () => {
    mkdirSync(data('images'), { recursive: true });
    writeFileSync(data('images', 'a'), 'file');
    await putObject(client, 'images/a/b.png', 'x');
    await handler(created('images/a/b.png'));
    expect(read('images', 'a')).toBe('file');
    expect(leftovers()).toEqual([]);
  });
});

describe('ownership and modes', () => {
  test('new files and directories take the owner and group of their data directory', async () => {
    mkdirSync(data('themes'), { recursive: true });
    chownSync(data('themes'), 1234, 5678);
    await upload('themes/piBerry/fonts/a.woff', 'a');
    for (const p of [['piBerry'], ['piBerry', 'fonts'], ['piBerry', 'fonts', 'a.woff']]) {
      const st = statSync(data('themes', ...p));
      expect({ p, uid: st.uid, gid: st.gid }).toEqual({ p, uid: 1234, gid: 5678 });
    }
  });

  test('an overwrite hands the file to the data directory\'s owner too', async () => {
    await upload('images/a.png', 'v1'); // owned by root
    chownSync(data('images'), 1234, 5678);
    await upload('images/a.png', 'v2');
    const st = statSync(data('images', 'a.png'));
    expect([st.uid, st.gid]).toEqual([1234, 5678]);
  });

  test.each([0o000, 0o077, 0o022, 0o777])('modes are exactly 0644 and 0755 under umask %o', async umask => {
    const previous = process.umask(umask);
    try {
      await upload('svg/a/b/c.svg', 'x');
    } finally {
      process.umask(previous);
    }
    // The missing data directory and the levels above it are created too.
    for (const dir of [['..', '..'], ['..'], [], ['a'], ['a', 'b']]) {
      expect({ dir, mode: modeOf(statSync(data('svg', ...dir)).mode) }).toEqual({ dir, mode: 0o755 });
    }
    expect(modeOf(statSync(data('svg', 'a', 'b', 'c.svg')).mode)).toBe(0o644);
  });

  test('an existing data directory keeps its own mode and owner', async () => {
    mkdirSync(data('images'), { recursive: true });
    chownSync(data('images'), 1234, 5678);
    chmodSync(data('images'), 0o2775);
    await upload('images/sub/a.png', 'a');
    const st = statSync(data('images'));
    expect([modeOf(st.mode), st.uid, st.gid]).toEqual([0o2775, 1234, 5678]);
    // What is made inside it is exactly 0755 / 0644: no set-group-ID bit inherited.
    const sub = statSync(data('images', 'sub'));
    const file = statSync(data('images', 'sub', 'a.png'));
    expect([modeOf(sub.mode), sub.uid, sub.gid]).toEqual([0o755, 1234, 5678]);
    expect([modeOf(file.mode), file.uid, file.gid]).toEqual([0o644, 1234, 5678]);
  });
});

describe('re-sync', () => {
  beforeEach(() => {
    process.env.BUCKET_NAME = BUCKET;
  });

  test('copies what is missing or differs, keeps what matches, deletes nothing', async () => {
    await upload('images/same.png', 'same');
    await upload('images/changed.png', 'original');
    await putObject(client, 'images/missing.png', 'missing');
    await putObject(client, 'themes/t/theme.css', 'css');
    await putObject(client, 'keys/secret', 'never');
    await putObject(client, 'images/folder/', '');
    writeFileSync(data('images', 'changed.png'), 'edited locally, another size');
    writeFileSync(data('images', 'local-only.png'), 'the dashboard wrote this');
    // Leftovers of a copy that was killed: removed once old enough to be nobody's.
    const stale = data('images', `${TEMP_PREFIX}stale.tmp`);
    const fresh = data('images', `${TEMP_PREFIX}fresh.tmp`);
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'x');
    utimesSync(stale, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const sameIno = statSync(data('images', 'same.png')).ino;

    const summary = await handler({ resync: true });

    expect(summary).toEqual({ copied: 3, unchanged: 1, skipped: 1, conflicts: 0, failed: 0, remaining: 0, sweptTemporaryFiles: 1 });
    expect(read('images', 'changed.png')).toBe('original');
    expect(read('images', 'missing.png')).toBe('missing');
    expect(read('themes', 't', 'theme.css')).toBe('css');
    expect(read('images', 'local-only.png')).toBe('the dashboard wrote this');
    expect(statSync(data('images', 'same.png')).ino).toBe(sameIno);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  test('force copies everything', async () => {
    await upload('images/same.png', 'same');
    const summary = await handler({ resync: true, force: true });
    expect(summary).toMatchObject({ copied: 1, unchanged: 0 });
  });

  test('a file with the same size but another modification time is copied again', async () => {
    await upload('images/a.png', 'aaaa');
    writeFileSync(data('images', 'a.png'), 'bbbb');
    utimesSync(data('images', 'a.png'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await handler({ resync: true })).toMatchObject({ copied: 1 });
    expect(read('images', 'a.png')).toBe('aaaa');
  });

  test('excel/ and excel-data/ resolve to one file, as for events', async () => {
    await putObject(client, 'excel/a.csv', 'from excel/');
    await putObject(client, 'excel-data/a.csv', 'from excel-data/');
    expect(await handler({ resync: true })).toMatchObject({ copied: 1 });
    expect(read('excel', 'a.csv')).toBe('from excel-data/');
  });
});

describe('deploy-time re-sync (CloudFormation custom resource)', () => {
  let responder: Server;
  let responses: Array<{ url: string; contentType?: string; body: Record<string, unknown> }>;
  let responseUrl: string;

  beforeAll(async () => {
    responder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        responses.push({ url: req.url!, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.end();
      });
    });
    await new Promise<void>(resolve => responder.listen(0, '127.0.0.1', resolve));
    responseUrl = `http://127.0.0.1:${(responder.address() as AddressInfo).port}/response?signature=x`;
  });

  afterAll(async () => {
    await new Promise(resolve => responder.close(resolve));
  });

  beforeEach(() => {
    responses = [];
  });

  const request = (requestType: 'Create' | 'Update' | 'Delete') => ({
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:sync',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    RequestId: 'request-1',
    LogicalResourceId: 'InitialSync',
    ResourceType: 'Custom::PanintelligenceFileSync',
    ResourceProperties: { ServiceToken: 'x', BucketName: BUCKET },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'InitialSync-file-sync', OldResourceProperties: {} }),
  });

  test('Create copies the objects already in the bucket and answers SUCCESS', async () => {
    await putObject(client, 'images/a.png', 'a');
    await putObject(client, 'excel-data/b.csv', 'b');
    await handler(request('Create'));
    expect(read('images', 'a.png')).toBe('a');
    expect(read('excel', 'b.csv')).toBe('b');
    expect(responses).toHaveLength(1);
    expect(responses[0].url).toBe('/response?signature=x');
    expect(responses[0].contentType).toBe('');
    expect(responses[0].body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'InitialSync-file-sync',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
      RequestId: 'request-1',
      LogicalResourceId: 'InitialSync',
      Data: { copied: 2, failed: 0 },
    });
  });

  test('Update re-syncs and keeps the physical id', async () => {
    await putObject(client, 'svg/a.svg', 'a');
    await handler(request('Update'));
    expect(read('svg', 'a.svg')).toBe('a');
    expect(responses[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'InitialSync-file-sync' });
  });

  test('Delete touches nothing and answers SUCCESS', async () => {
    await upload('images/a.png', 'a');
    await handler(request('Delete'));
    expect(read('images', 'a.png')).toBe('a');
    expect(responses[0].body).toMatchObject({ Status: 'SUCCESS' });
  });

  /** Runs `work` with the function deployed for a bucket the server does not have. */
  async function withMissingBucket(work: () => Promise<unknown>): Promise<void> {
    process.env.BUCKET_NAME = 'no-such-bucket';
    try {
      await work();
    } finally {
      process.env.BUCKET_NAME = BUCKET;
    }
  }

  test('a Create that cannot list the bucket answers FAILED instead of leaving CloudFormation waiting', async () => {
    await withMissingBucket(() => handler({ ...request('Create'), ResourceProperties: { ServiceToken: 'x', BucketName: 'no-such-bucket' } }));
    expect(responses[0].body).toMatchObject({ Status: 'FAILED' });
    expect(String(responses[0].body.Reason)).toMatch(/re-sync failed/);
  });

  test('an Update that cannot list the bucket still answers SUCCESS, so a rollback cannot get stuck', async () => {
    await withMissingBucket(() => handler({ ...request('Update'), ResourceProperties: { ServiceToken: 'x', BucketName: 'no-such-bucket' } }));
    expect(responses[0].body).toMatchObject({ Status: 'SUCCESS' });
  });

  test('a request naming another bucket is refused: FAILED, and nothing of either bucket is copied', async () => {
    await putObject(client, 'images/a.png', 'a');
    await handler({ ...request('Create'), ResourceProperties: { ServiceToken: 'x', BucketName: OTHER_BUCKET } });
    expect(responses).toHaveLength(1);
    expect(responses[0].body).toMatchObject({ Status: 'FAILED' });
    expect(String(responses[0].body.Reason)).toBe(`refused: the request names the bucket "${OTHER_BUCKET}", this function syncs ${BUCKET} only`);
    expect(existsSync(data('images'))).toBe(false);
  });

  test('a request whose response URL is not CloudFormation\'s is refused: no answer anywhere, nothing copied', async () => {
    await putObject(client, 'images/a.png', 'a');
    // The same server by another name: what a caller who picks the URL would get.
    const elsewhere = responseUrl.replace('127.0.0.1', 'localhost');
    for (const type of ['Create', 'Update', 'Delete'] as const) {
      await expect(handler({ ...request(type), ResponseURL: elsewhere })).resolves.toBeUndefined();
    }
    expect(responses).toEqual([]);
    expect(existsSync(data('images'))).toBe(false);
    expect(logs.filter(l => l.includes('refused: a CloudFormation request whose response URL'))).toHaveLength(3);
  });

  test('a continuation that names another bucket or answers elsewhere is refused', async () => {
    await putObject(client, 'images/a.png', 'a');
    const respondTo = { ...request('Create'), PhysicalResourceId: 'InitialSync-file-sync' };
    const chain = (bucket: string, url: string) => ({ bucket, counts: { copied: 0 }, invocations: 1, respondTo: { ...respondTo, ResponseURL: url } });
    await expect(handler({ resync: true, chain: chain(OTHER_BUCKET, responseUrl) })).resolves.toBeUndefined();
    await expect(handler({ resync: true, chain: chain(BUCKET, 'https://attacker.example.com/collect') })).resolves.toBeUndefined();
    expect(responses).toEqual([]);
    expect(existsSync(data('images'))).toBe(false);
    expect(logs.filter(l => l.includes('refused: a re-sync continuation'))).toHaveLength(2);
  });
});

describe('the function syncs its own bucket only', () => {
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: OTHER_BUCKET }));
  });

  test('an event of another bucket is refused and writes nothing, even when that bucket has the object', async () => {
    await client.send(new PutObjectCommand({ Bucket: OTHER_BUCKET, Key: 'images/planted.png', Body: 'from elsewhere' }));
    await expect(handler(s3Event('ObjectCreated:Put', 'images/planted.png', OTHER_BUCKET))).resolves.toBeUndefined();
    expect(existsSync(data('images'))).toBe(false);
    expect(logs.some(l => l.includes('refused: an event of another bucket') && l.includes(OTHER_BUCKET))).toBe(true);
    // Its own bucket's events in the same batch are still synced.
    await putObject(client, 'images/own.png', 'own');
    const mixed = s3Event('ObjectCreated:Put', 'images/planted.png', OTHER_BUCKET);
    mixed.Records.push(...created('images/own.png').Records);
    await handler(mixed);
    expect(read('images', 'own.png')).toBe('own');
    expect(existsSync(data('images', 'planted.png'))).toBe(false);
  });

  test('without its bucket configured it syncs nothing', async () => {
    await putObject(client, 'images/a.png', 'a');
    delete process.env.BUCKET_NAME;
    try {
      await expect(handler(created('images/a.png'))).rejects.toThrow('BUCKET_NAME is not set');
      await expect(handler({ resync: true })).rejects.toThrow('BUCKET_NAME is not set');
    } finally {
      process.env.BUCKET_NAME = BUCKET;
    }
    expect(existsSync(data('images'))).toBe(false);
  });
});
