/**
 * A directory swapped for a symbolic link while the sync uses it: the handler against a real
 * S3-protocol server and a real directory tree, with a gate in front of the server that holds
 * the answer to one request until the test has made the swap. Any client of the file system can
 * plant such a link; the sync must never write or delete through it.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { BUCKET, created, handlerEnvironment, listTree, LocalS3, putObject, removed, testClient } from './helpers';
import { TEMP_PREFIX } from '../../src/file-sync/keys';
import { handler } from '../../src/file-sync/sync.lambda';

/** Where a held exchange stops: before the request reaches S3, or after the first byte of its answer. */
type Stage = 'request' | 'body';

/** Forwards every request to the S3 server; holds the one that `hold` matches until released. */
class Gate {
  public port = 0;
  private readonly server: Server;
  private armed?: { matches: (req: IncomingMessage) => boolean; stage: Stage; held: (release: () => void) => void };

  constructor(private readonly targetPort: number) {
    this.server = createServer((req, res) => {
      const armed = this.armed;
      if (!armed?.matches(req)) return this.forward(req, res);
      this.armed = undefined;
      if (armed.stage === 'request') return armed.held(() => this.forward(req, res));
      this.forward(req, res, armed.held);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Resolves with the release of the next request that `matches`, once it has reached `stage`. */
  hold(matches: (req: IncomingMessage) => boolean, stage: Stage): Promise<() => void> {
    return new Promise(resolve => {
      this.armed = { matches, stage, held: resolve };
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }

  /** Forwards the exchange; with `midBody`, the first byte of the answer, then the rest once released. */
  private forward(req: IncomingMessage, res: ServerResponse, midBody?: (release: () => void) => void): void {
    const upstream = request({ host: '127.0.0.1', port: this.targetPort, method: req.method, path: req.url, headers: req.headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!midBody) return void up.pipe(res);
      const chunks: Buffer[] = [];
      up.on('data', chunk => chunks.push(chunk));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        res.write(body.subarray(0, 1));
        midBody(() => res.end(body.subarray(1)));
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

const s3 = new LocalS3();
let gate: Gate;
let client: S3Client;
const savedEnv = { ...process.env };
let caseDir: string;
let mount: string;
let outside: string;
let logs: string[];

const data = (...parts: string[]) => path.join(mount, 'var', 'panintelligence', ...parts);
const isGetOf = (key: string) => (req: IncomingMessage) => req.method === 'GET' && req.url!.split('?')[0] === `/${BUCKET}/${key}`;

beforeAll(async () => {
  await s3.start();
  gate = new Gate(s3.port);
  await gate.start();
  client = testClient(s3.port);
  Object.assign(process.env, handlerEnvironment(gate.port, '/nonexistent'), { SYNC_CONCURRENCY: '1' });
});

afterAll(async () => {
  client.destroy();
  await gate.stop();
  await s3.stop();
  process.env = savedEnv;
});

beforeEach(() => {
  caseDir = mkdtempSync(path.join(tmpdir(), 'file-sync-swap-'));
  mount = path.join(caseDir, 'mount');
  // What a link planted on the share would point at: somewhere the sync must never write.
  outside = path.join(caseDir, 'outside');
  mkdirSync(mount);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'b.png'), 'not the sync\'s');
  process.env.MOUNT_PATH = mount;
  logs = [];
  for (const method of ['log', 'warn', 'error'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
  rmSync(caseDir, { recursive: true, force: true });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 500) throw new Error('timed out waiting for the condition');
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

/** Moves `dir` away (keeping its content) and puts a link to `outside` in its place. */
function swapForLink(dir: string): void {
  renameSync(dir, `${dir}.moved`);
  symlinkSync(outside, dir);
}

test('a re-sync writes nothing through a directory that became a link after an earlier copy checked it', async () => {
  for (const name of ['a', 'b', 'c']) await putObject(client, `images/sub/${name}.png`, name);
  // The re-sync copies a.png (checking images/sub), then asks for b.png: the swap happens then.
  const held = gate.hold(isGetOf('images/sub/b.png'), 'request');
  const running = handler({ resync: true });
  const release = await held;
  swapForLink(data('images', 'sub'));
  release();
  const summary = await running;

  expect(summary).toMatchObject({ copied: 1, conflicts: 2, failed: 0 });
  expect(listTree(outside)).toEqual(['b.png']);
  expect(readFileSync(path.join(outside, 'b.png'), 'utf8')).toBe('not the sync\'s');
  expect(listTree(data('images', 'sub.moved'))).toEqual(['a.png']);
  expect(lstatSync(data('images', 'sub')).isSymbolicLink()).toBe(true);
  expect(listTree(caseDir).filter(p => path.basename(p).startsWith(TEMP_PREFIX))).toEqual([]);
});

test('a copy whose directory is swapped while the object streams in is renamed into place nowhere', async () => {
  await putObject(client, 'themes/t/theme.css', 'new theme');
  mkdirSync(data('themes', 't'), { recursive: true });
  // The answer is held after its first byte: the temporary file is open in themes/t, not yet renamed.
  const held = gate.hold(isGetOf('themes/t/theme.css'), 'body');
  const running = handler(created('themes/t/theme.css'));
  const release = await held;
  await until(() => listTree(data('themes', 't')).some(p => p.startsWith(TEMP_PREFIX)));
  swapForLink(data('themes', 't'));
  release();
  await running;

  expect(listTree(outside)).toEqual(['b.png']);
  // The half-made copy stays where the directory went, as a temporary file for the sweep.
  expect(listTree(data('themes', 't.moved')).every(p => p.startsWith(TEMP_PREFIX))).toBe(true);
  expect(logs.some(l => l.includes('skipped: conflicts with the local tree') && l.includes('was replaced while in use'))).toBe(true);
});

test('a data directory that is a link is refused for writes, deletes and the sweep of leftovers', async () => {
  mkdirSync(data(), { recursive: true });
  symlinkSync(outside, data('images'));
  const stale = path.join(outside, `${TEMP_PREFIX}old.tmp`);
  writeFileSync(stale, 'x');
  await putObject(client, 'images/b.png', 'from the bucket');

  await handler(created('images/b.png'));
  await handler(removed('images/b.png'));
  // b.png is in the bucket: the delete event is checked against it, so delete it there first.
  await handler({ Records: removed('images/b.png').Records });
  await handler({ resync: true });

  expect(readFileSync(path.join(outside, 'b.png'), 'utf8')).toBe('not the sync\'s');
  expect(existsSync(stale)).toBe(true);
  expect(lstatSync(data('images')).isSymbolicLink()).toBe(true);
});
