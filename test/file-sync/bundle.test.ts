/**
 * The handler as it ships: the esbuild bundle (`npx projen bundle`), in a Node.js process of
 * its own with nothing but the environment Lambda would give it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { created, deleteObject, handlerEnvironment, listTree, LocalS3, modeOf, putObject, removed, testClient } from './helpers';

const BUNDLE = path.resolve(__dirname, '..', '..', 'assets', 'file-sync', 'sync.lambda', 'index.js');

// Runs the events one after the other, as separate invocations of one warm function would.
const DRIVER = `
const { handler } = require(process.argv[1]);
(async () => {
  for (const event of JSON.parse(process.argv[2])) await handler(event);
})().catch(err => { console.error('FAILED', err); process.exit(1); });
`;

const s3 = new LocalS3();
let client: S3Client;
let mount: string;

async function invoke(...events: unknown[]): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', ...handlerEnvironment(s3.port, mount) };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', DRIVER, BUNDLE, JSON.stringify(events)], { env });
  return stdout;
}

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "npx projen bundle" first`);
  await s3.start();
  client = testClient(s3.port);
});

afterAll(async () => {
  client.destroy();
  await s3.stop();
});

beforeEach(() => {
  mount = mkdtempSync(path.join(tmpdir(), 'file-sync-bundle-'));
});

afterEach(() => {
  rmSync(mount, { recursive: true, force: true });
});

test('the bundle exports handler and copies, overwrites and deletes', async () => {
  const file = path.join(mount, 'var', 'panintelligence', 'themes', 'piBerry', 'theme.css');

  await putObject(client, 'themes/piBerry/theme.css', 'body { color: red }');
  const log = await invoke(created('themes/piBerry/theme.css'));
  expect(readFileSync(file, 'utf8')).toBe('body { color: red }');
  expect(modeOf(statSync(file).mode)).toBe(0o644);
  expect(log).toContain('"outcome":"copied"');

  await putObject(client, 'themes/piBerry/theme.css', 'body { color: blue }');
  await invoke(created('themes/piBerry/theme.css'));
  expect(readFileSync(file, 'utf8')).toBe('body { color: blue }');

  await deleteObject(client, 'themes/piBerry/theme.css');
  await invoke(removed('themes/piBerry/theme.css'));
  expect(existsSync(file)).toBe(false);
  expect(listTree(mount)).toEqual(['var', 'var/panintelligence', 'var/panintelligence/themes']);
});

test('the bundle decodes keys and refuses hostile ones without failing', async () => {
  await putObject(client, 'images/a photo.png', 'png');
  await invoke(
    { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'images/a+photo.png' } } }] },
    { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'images/%2e%2e/%2e%2e/x' } } }] },
    { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'keys/id_rsa' } } }] },
  );
  expect(listTree(mount)).toEqual(['var', 'var/panintelligence', 'var/panintelligence/images', 'var/panintelligence/images/a photo.png']);
});
