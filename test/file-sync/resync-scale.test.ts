/**
 * The re-sync of a bucket that changes under it, and that does not fit in one invocation,
 * against a real S3-protocol server behind an HTTP proxy that can change the bucket at chosen
 * moments, a local stand-in for Lambda's Invoke API, and a local CloudFormation responder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, IncomingMessage, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { BUCKET, deleteObject, handlerEnvironment, LocalS3, putObject, testClient } from './helpers';
import { MappedKey, mapKey } from '../../src/file-sync/keys';
import type { ResyncSummary } from '../../src/file-sync/resync';
import { handler } from '../../src/file-sync/sync.lambda';

/** Runs `work` on each request before it is forwarded, and `answered` once its response is in hand but not yet sent. */
interface Hooks {
  before?: (req: IncomingMessage) => Promise<void> | void;
  answered?: (req: IncomingMessage) => Promise<void> | void;
  /** Never forward matching requests (a hung server). */
  hang?: (req: IncomingMessage) => boolean;
  delayMs?: number;
}

/** An HTTP proxy in front of the S3 server that buffers each response, so hooks can act between request and answer. */
class HookProxy {
  public port = 0;
  public hooks: Hooks = {};
  public readonly seen: Array<{ method: string; url: string; ifMatch?: string }> = [];
  private readonly server: Server;
  private readonly held = new Set<IncomingMessage>();

  constructor(private readonly targetPort: number) {
    this.server = createServer((req, res) => {
      void (async () => {
        this.seen.push({ method: req.method!, url: req.url!, ifMatch: req.headers['if-match'] as string | undefined });
        if (this.hooks.hang?.(req)) {
          this.held.add(req);
          return;
        }
        await this.hooks.before?.(req);
        if (this.hooks.delayMs) await new Promise(r => setTimeout(r, this.hooks.delayMs));
        const upstream = request({ host: '127.0.0.1', port: this.targetPort, method: req.method, path: req.url, headers: req.headers }, up => {
          const chunks: Buffer[] = [];
          up.on('data', c => chunks.push(c));
          up.on('end', () => {
            void (async () => {
              await this.hooks.answered?.(req);
              res.writeHead(up.statusCode!, up.headers);
              res.end(Buffer.concat(chunks));
            })();
          });
        });
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      })();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const req of this.held) req.socket.destroy();
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }

  release(): void {
    for (const req of this.held) req.socket.destroy();
    this.held.clear();
  }
}

/** Records what it is sent, answering as Lambda's Invoke API or CloudFormation's response URL does. */
class Recorder {
  public port = 0;
  public readonly bodies: Array<Record<string, any>> = [];
  public readonly urls: string[] = [];
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      this.urls.push(req.url!);
      this.bodies.push(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
      res.statusCode = this.status;
      res.end();
    });
  });

  constructor(public status: number) {}

  async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }
}

const s3 = new LocalS3();
let proxy: HookProxy;
let lambdaApi: Recorder;
let cloudFormation: Recorder;
let client: S3Client;
const savedEnv = { ...process.env };
let mount: string;

const file = (...parts: string[]) => path.join(mount, 'var', 'panintelligence', ...parts);
const read = (...parts: string[]) => readFileSync(file(...parts), 'utf8');
/** A Lambda context with this much time left. */
const lambdaContext = (ms: number) => ({ getRemainingTimeInMillis: () => ms }) as Context;

beforeAll(async () => {
  await s3.start();
  proxy = new HookProxy(s3.port);
  await proxy.start();
  lambdaApi = new Recorder(202);
  await lambdaApi.start();
  cloudFormation = new Recorder(200);
  await cloudFormation.start();
  client = testClient(s3.port);
  Object.assign(process.env, handlerEnvironment(proxy.port, '/nonexistent'));
  process.env.BUCKET_NAME = BUCKET;
  for (const method of ['log', 'warn', 'error'] as const) jest.spyOn(console, method).mockImplementation(() => undefined);
});

afterAll(async () => {
  jest.restoreAllMocks();
  client.destroy();
  await proxy.stop();
  await lambdaApi.stop();
  await cloudFormation.stop();
  await s3.stop();
  process.env = savedEnv;
});

beforeEach(async () => {
  mount = mkdtempSync(path.join(tmpdir(), 'resync-scale-'));
  mkdirSync(mount, { recursive: true });
  process.env.MOUNT_PATH = mount;
  proxy.hooks = {};
  proxy.seen.length = 0;
  lambdaApi.bodies.length = 0;
  lambdaApi.urls.length = 0;
  lambdaApi.status = 202;
  cloudFormation.bodies.length = 0;
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  for (const obj of listed.Contents ?? []) await deleteObject(client, obj.Key!);
});

afterEach(() => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
  delete process.env.SYNC_CONCURRENCY;
  proxy.release();
  rmSync(mount, { recursive: true, force: true });
});

const isGet = (req: IncomingMessage, key: string) => req.method === 'GET' && req.url!.split('?')[0] === `/${BUCKET}/${key}`;
const isList = (req: IncomingMessage) => req.method === 'GET' && new RegExp(`^/${BUCKET}/?\\?`).test(req.url!) && req.url!.includes('list-type=2');

describe('a bucket that changes during the re-sync', () => {
  test('each object is fetched once, on the condition that it is still the listed version', async () => {
    await putObject(client, 'images/a.png', 'a');
    await putObject(client, 'themes/t/b.css', 'b');
    expect(await handler({ resync: true })).toMatchObject({ copied: 2, failed: 0, remaining: 0 });
    const gets = proxy.seen.filter(r => r.method === 'GET' && !r.url.includes('list-type'));
    expect(gets.map(g => g.url.split('?')[0]).sort()).toEqual([`/${BUCKET}/images/a.png`, `/${BUCKET}/themes/t/b.css`]);
    for (const get of gets) expect(get.ifMatch).toMatch(/^"[0-9a-f]{32}"$/);
    expect(proxy.seen.filter(r => r.method === 'HEAD')).toEqual([]);
  });

  test('an object replaced between the listing and its GET: the newest version lands', async () => {
    await putObject(client, 'images/a.png', 'version 1');
    let replaced = false;
    proxy.hooks.before = async req => {
      if (!replaced && isGet(req, 'images/a.png')) {
        replaced = true;
        await putObject(client, 'images/a.png', 'version 2, longer');
      }
    };
    expect(await handler({ resync: true })).toMatchObject({ copied: 1, failed: 0 });
    expect(replaced).toBe(true);
    expect(read('images', 'a.png')).toBe('version 2, longer');
  });

  test('an object replaced after its GET was answered: the confirming listing catches it and the newest version lands', async () => {
    await putObject(client, 'svg/a.svg', 'version 1');
    let replaced = false;
    proxy.hooks.answered = async req => {
      if (!replaced && isGet(req, 'svg/a.svg')) {
        replaced = true;
        await putObject(client, 'svg/a.svg', 'version 2');
      }
    };
    await handler({ resync: true });
    expect(replaced).toBe(true);
    expect(read('svg', 'a.svg')).toBe('version 2');
  });

  test('an object deleted after the listing is not written; one deleted after its copy is removed again', async () => {
    await putObject(client, 'images/gone-before.png', 'x');
    await putObject(client, 'images/gone-after.png', 'y');
    await putObject(client, 'images/stays.png', 'z');
    let listed = false;
    proxy.hooks.answered = async req => {
      if (!listed && isList(req)) {
        listed = true;
        await deleteObject(client, 'images/gone-before.png');
      }
      if (isGet(req, 'images/gone-after.png')) await deleteObject(client, 'images/gone-after.png');
    };
    expect(await handler({ resync: true })).toMatchObject({ failed: 0, remaining: 0 });
    expect(existsSync(file('images', 'gone-before.png'))).toBe(false);
    expect(existsSync(file('images', 'gone-after.png'))).toBe(false);
    expect(read('images', 'stays.png')).toBe('z');
  });
});

describe('a re-sync longer than one invocation', () => {
  const COUNT = 120;
  const INVOCATION_MS = 3000;
  // Spread over three data directories, one of them with two prefixes.
  const keyOf = (i: number) => `${['images/', 'themes/', 'excel-data/', 'excel/'][i % 4]}set-${i % 3}/file-${String(i).padStart(3, '0')}`;

  beforeEach(async () => {
    for (let i = 0; i < COUNT; i++) await putObject(client, keyOf(i), `image ${i}`);
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'file-sync';
    process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${lambdaApi.port}`;
    process.env.SYNC_CONCURRENCY = '2';
    // At most 40 GETs a second: an invocation of three seconds cannot do them all.
    proxy.hooks.delayMs = 50;
  });

  const everyFileIsThere = () => {
    for (let i = 0; i < COUNT; i++) {
      const mapped = mapKey(keyOf(i)) as MappedKey;
      expect(read(mapped.directory, ...mapped.segments)).toBe(`image ${i}`);
    }
  };

  /** Runs the first event, then each invocation the function started, as Lambda would. */
  async function runChain(first: unknown): Promise<Array<ResyncSummary | void>> {
    const results = [await handler(first, lambdaContext(INVOCATION_MS))];
    for (let n = 0; n < lambdaApi.bodies.length; n++) {
      expect(lambdaApi.urls[n]).toBe('/2015-03-31/functions/file-sync/invocations');
      results.push(await handler(lambdaApi.bodies[n], lambdaContext(INVOCATION_MS)));
      if (n > 50) throw new Error('the chain does not end');
    }
    return results;
  }

  test('on demand: continues in new invocations from where it stopped until the bucket is done', async () => {
    const results = await runChain({ resync: true });
    expect(results.length).toBeGreaterThan(1);
    // Every invocation but the last handed over, with the counts so far.
    for (const r of results.slice(0, -1)) expect(r).toMatchObject({ continues: true, continuation: expect.any(String) });
    expect(results[results.length - 1]).toEqual({
      copied: COUNT, unchanged: 0, skipped: 0, conflicts: 0, failed: 0, remaining: 0, sweptTemporaryFiles: 0,
    });
    everyFileIsThere();
    // No object was fetched twice: each invocation resumed after the last one done.
    const gets = proxy.seen.filter(r => r.method === 'GET' && !r.url.includes('list-type')).map(r => r.url);
    expect(new Set(gets).size).toBe(COUNT);
  });

  test('deploy time: CloudFormation is answered once, by the invocation that finishes', async () => {
    const results = await runChain(customResourceRequest('Create', 600));
    expect(results.length).toBeGreaterThan(1);
    expect(cloudFormation.bodies).toHaveLength(1);
    expect(cloudFormation.bodies[0]).toMatchObject({ Status: 'SUCCESS', RequestId: 'request-1', Data: { copied: COUNT, remaining: 0, failed: 0 } });
    // The response URL travelled in the continuation, not in anything CloudFormation saw.
    for (const body of lambdaApi.bodies) expect(body.chain.respondTo.ResponseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response/);
    everyFileIsThere();
  });

  test('deploy time, out of budget: FAILED with the count left and how to resume, and resuming finishes', async () => {
    const results = await runChain(customResourceRequest('Create', 0.5));
    expect(cloudFormation.bodies).toHaveLength(1);
    const answer = cloudFormation.bodies[0];
    expect(answer.Status).toBe('FAILED');
    const done = answer.Data.copied as number;
    expect(done).toBeLessThan(COUNT);
    expect(answer.Data.remaining).toBe(COUNT - done);
    expect(answer.Reason).toContain(`${COUNT - done} not copied yet`);
    const token = /"continuation":"([A-Za-z0-9_-]+)"/.exec(answer.Reason)![1];
    expect(answer.Reason).toContain('aws lambda invoke --function-name file-sync');
    expect(results.length).toBeGreaterThanOrEqual(1);

    // What the reason says to run.
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    expect(await handler({ resync: true, continuation: token })).toMatchObject({ copied: COUNT - done, remaining: 0, failed: 0 });
    everyFileIsThere();
  });

  test('deploy time, no way to continue: FAILED with the count left', async () => {
    lambdaApi.status = 403; // as when the role may not invoke the function
    await handler(customResourceRequest('Create', 600), lambdaContext(INVOCATION_MS));
    expect(lambdaApi.bodies).toHaveLength(1);
    expect(cloudFormation.bodies).toHaveLength(1);
    const answer = cloudFormation.bodies[0];
    expect(answer.Status).toBe('FAILED');
    // Counting what is left has a little time of its own; cut short, it says "or more".
    if (/ or more not copied yet/.test(answer.Reason)) expect(answer.Data.copied + answer.Data.remaining).toBeLessThanOrEqual(COUNT);
    else expect(answer.Data.copied + answer.Data.remaining).toBe(COUNT);
    expect(answer.Data.copied).toBeLessThan(COUNT);
    expect(answer.Reason).toMatch(/re-sync incomplete: 0 failed, \d+( or more)? not copied yet/);
  });

  test('an Update that cannot finish still answers SUCCESS (a rollback must not get stuck), with the count in the reason', async () => {
    await runChain(customResourceRequest('Update', 0.5));
    expect(cloudFormation.bodies).toHaveLength(1);
    expect(cloudFormation.bodies[0].Status).toBe('SUCCESS');
    expect(cloudFormation.bodies[0].Reason).toMatch(/re-sync incomplete: 0 failed, \d+ not copied yet/);
  });
});

describe('a deploy-time re-sync that hangs', () => {
  test('answers FAILED before the function time limit', async () => {
    await putObject(client, 'images/a.png', 'a');
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'file-sync';
    proxy.hooks.hang = isList;
    const started = Date.now();
    await handler(customResourceRequest('Create', 600), lambdaContext(2000));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(cloudFormation.bodies).toHaveLength(1);
    expect(cloudFormation.bodies[0]).toMatchObject({ Status: 'FAILED' });
    expect(cloudFormation.bodies[0].Reason).toMatch(/did not finish before the function time limit/);
  });
});

test('a continuation token that is not one is refused with a clear error', async () => {
  await expect(handler({ resync: true, continuation: 'not-a-token' })).rejects.toThrow(/not a continuation token/);
});

function customResourceRequest(type: 'Create' | 'Update', timeLimitSeconds: number) {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:file-sync',
    ResponseURL: `http://127.0.0.1:${cloudFormation.port}/response?signature=x`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    RequestId: 'request-1',
    LogicalResourceId: 'InitialSync',
    ResourceType: 'Custom::PanintelligenceFileSync',
    ResourceProperties: { ServiceToken: 'x', BucketName: BUCKET, TimeLimitSeconds: String(timeLimitSeconds) },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'InitialSync-file-sync', OldResourceProperties: {} }),
  };
}
