/**
 * Copies that fail half-way: the handler must throw (a retry can succeed), leave no temporary
 * file and no partial target, and keep an existing older file intact.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { created, CuttingProxy, handlerEnvironment, listTree, LocalS3, putObject, testClient } from './helpers';
import { handler } from '../../src/file-sync/sync.lambda';

const MiB = 1024 * 1024;
const s3 = new LocalS3();
let proxy: CuttingProxy;
let client: S3Client;
const savedEnv = { ...process.env };
let mount: string;

const data = (...parts: string[]) => path.join(mount, 'var', 'panintelligence', ...parts);
const digest = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

/** Tree of the mount, which must hold nothing but what a test expects. */
const tree = () => listTree(mount);

beforeAll(async () => {
  await s3.start();
  proxy = new CuttingProxy(s3.port);
  await proxy.start();
  client = testClient(s3.port);
  // The handler talks to S3 through the proxy, which can cut it off.
  Object.assign(process.env, handlerEnvironment(proxy.port, '/nonexistent'));
  for (const method of ['log', 'warn', 'error'] as const) jest.spyOn(console, method).mockImplementation(() => undefined);
});

afterAll(async () => {
  jest.restoreAllMocks();
  client.destroy();
  await proxy.stop();
  await s3.stop();
  process.env = savedEnv;
});

beforeEach(() => {
  mount = mkdtempSync(path.join(tmpdir(), 'file-sync-cut-'));
  process.env.MOUNT_PATH = mount;
});

afterEach(() => {
  delete process.env.SYNC_STALL_TIMEOUT_MS;
  proxy.dropConnections();
  rmSync(mount, { recursive: true, force: true });
});

test('a connection cut mid-way through a new object: throws, leaves nothing behind', async () => {
  await putObject(client, 'excel-data/big/new.bin', randomBytes(24 * MiB));
  const cut = proxy.interruptAfter(6 * MiB, 'cut');
  await expect(handler(created('excel-data/big/new.bin'))).rejects.toThrow();
  await cut;
  // Not even the directory made for it: only the data directory, which stays.
  expect(tree()).toEqual(['var', 'var/panintelligence', 'var/panintelligence/excel']);
});

test('a connection cut mid-way through an overwrite keeps the older file intact; a retry succeeds', async () => {
  const v1 = randomBytes(24 * MiB);
  const v2 = randomBytes(24 * MiB);
  await putObject(client, 'images/big.bin', v1);
  await handler(created('images/big.bin'));
  expect(digest(readFileSync(data('images', 'big.bin')))).toBe(digest(v1));

  await putObject(client, 'images/big.bin', v2);
  const cut = proxy.interruptAfter(6 * MiB, 'cut');
  await expect(handler(created('images/big.bin'))).rejects.toThrow();
  await cut;
  expect(digest(readFileSync(data('images', 'big.bin')))).toBe(digest(v1));
  expect(tree()).toEqual(['var', 'var/panintelligence', 'var/panintelligence/images', 'var/panintelligence/images/big.bin']);

  // The event is worth the retry Lambda gives it.
  await handler(created('images/big.bin'));
  expect(digest(readFileSync(data('images', 'big.bin')))).toBe(digest(v2));
  expect(tree()).toEqual(['var', 'var/panintelligence', 'var/panintelligence/images', 'var/panintelligence/images/big.bin']);
});

test('a server that stops sending is given up on, leaving nothing behind', async () => {
  process.env.SYNC_STALL_TIMEOUT_MS = '500';
  await putObject(client, 'svg/hung.bin', randomBytes(16 * MiB));
  const frozen = proxy.interruptAfter(4 * MiB, 'freeze');
  await expect(handler(created('svg/hung.bin'))).rejects.toThrow(/no data/);
  await frozen;
  expect(tree()).toEqual(['var', 'var/panintelligence', 'var/panintelligence/svg']);
});

test('in Lambda, a copy still running near the function time limit is stopped and cleaned up', async () => {
  await putObject(client, 'themes/slow.bin', randomBytes(16 * MiB));
  const frozen = proxy.interruptAfter(4 * MiB, 'freeze');
  const context = { getRemainingTimeInMillis: () => 2000 } as Context;
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'sync'; // the limit is only real in Lambda
  try {
    await expect(handler(created('themes/slow.bin'), context)).rejects.toThrow(/time limit/);
  } finally {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  }
  await frozen;
  expect(tree()).toEqual(['var', 'var/panintelligence', 'var/panintelligence/themes']);
});

test('outside Lambda, a context\'s remaining time stops nothing', async () => {
  await putObject(client, 'themes/fine.bin', randomBytes(4 * MiB));
  await handler(created('themes/fine.bin'), { getRemainingTimeInMillis: () => 1 } as Context);
  expect(readFileSync(data('themes', 'fine.bin')).length).toBe(4 * MiB);
});

// Last: the proxy does not come back.
test('a server that dies mid-way through a large object: throws, older file intact, no leftovers', async () => {
  const v1 = randomBytes(32 * MiB);
  await putObject(client, 'themes/t/big.bin', v1);
  await handler(created('themes/t/big.bin'));
  await putObject(client, 'themes/t/big.bin', randomBytes(32 * MiB));

  const killed = proxy.interruptAfter(10 * MiB, 'kill');
  await expect(handler(created('themes/t/big.bin'))).rejects.toThrow();
  await killed;
  expect(digest(readFileSync(data('themes', 't', 'big.bin')))).toBe(digest(v1));
  expect(tree()).toEqual(['var', 'var/panintelligence', 'var/panintelligence/themes',
    'var/panintelligence/themes/t', 'var/panintelligence/themes/t/big.bin']);
  expect(existsSync(data('themes', 't', 'big.bin'))).toBe(true);
});
