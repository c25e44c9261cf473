import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

// s3rver ships no types; this is the part of its API the tests use.
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver: new (options: Record<string, unknown>) => S3rverInstance = require('s3rver');

export const BUCKET = 'uploads';

/** A real S3-protocol server on loopback, with its store in a temporary directory. */
export class LocalS3 {
  public port = 0;
  public readonly directory = mkdtempSync(path.join(tmpdir(), 's3rver-'));
  private server?: S3rverInstance;

  async start(): Promise<void> {
    this.server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: this.directory,
      configureBuckets: [{ name: BUCKET }],
    });
    const address = await this.server.run();
    this.port = address.port;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** What the proxy does to a response once it has carried the given number of bytes. */
export type Interruption = 'cut' | 'kill' | 'freeze';

/**
 * A TCP proxy in front of the S3 server, transparent until told to interrupt a response:
 * `cut` drops that connection, `kill` drops every connection and stops listening (the server
 * dies), `freeze` stops forwarding without closing anything (a hung server).
 */
export class CuttingProxy {
  public port = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private armed?: { afterBytes: number; how: Interruption; done: () => void };
  /** Bumped on every arming: connections count bytes from then on, kept-alive ones included. */
  private generation = 0;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer(client => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      let downstreamBytes = 0;
      let counted = this.generation;
      let frozen = false;
      client.on('data', chunk => upstream.write(chunk));
      upstream.on('data', chunk => {
        if (frozen) return;
        if (counted !== this.generation) {
          counted = this.generation;
          downstreamBytes = 0;
        }
        downstreamBytes += chunk.length;
        const armed = this.armed;
        if (armed && downstreamBytes >= armed.afterBytes) {
          this.armed = undefined;
          if (armed.how === 'freeze') {
            frozen = true;
            upstream.pause();
          } else {
            client.destroy();
            upstream.destroy();
            if (armed.how === 'kill') this.kill();
          }
          armed.done();
          return;
        }
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Interrupts the next response that carries `afterBytes`; resolves when it happened. */
  interruptAfter(afterBytes: number, how: Interruption): Promise<void> {
    this.generation++;
    return new Promise(resolve => {
      this.armed = { afterBytes, how, done: resolve };
    });
  }

  /** Drops every open connection (ends a freeze). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** The server dies: no new connections, every open one dropped. */
  kill(): void {
    this.server.close();
    this.dropConnections();
  }

  async stop(): Promise<void> {
    this.kill();
    await new Promise(resolve => setImmediate(resolve));
  }
}

/** A client for arranging the bucket (not the handler's client). */
export function testClient(port: number): S3Client {
  return new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver does not understand aws-chunked uploads with trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Environment that points a `new S3Client({})` at the local server. */
export function handlerEnvironment(port: number, mountPath: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    MOUNT_PATH: mountPath,
    BUCKET_NAME: BUCKET,
  };
}

/** Encodes a key as S3 does in event notifications: form encoding, so a space becomes `+`. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** A standard S3 event notification with one record; `rawKey` is used as is (already encoded). */
export function s3Event(eventName: string, rawKey: string, bucket = BUCKET) {
  return {
    Records: [{
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName,
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'sync',
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { key: rawKey, size: 0, sequencer: '0' },
      },
    }],
  };
}

export const created = (key: string) => s3Event('ObjectCreated:Put', encodeEventKey(key));
export const removed = (key: string) => s3Event('ObjectRemoved:Delete', encodeEventKey(key));

export async function putObject(client: S3Client, key: string, body: string | Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

export async function deleteObject(client: S3Client, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
}

/** Every path below `root` (files and directories), relative, sorted. */
export function listTree(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).map(p => p.split(path.sep).join('/')).sort();
}

/** Permission bits plus setuid/setgid/sticky, so 0644 means exactly 0644. */
export function modeOf(mode: number): number {
  return mode % 0o10000;
}
