// The vault-emptying handler, run for real with its AWS SDK client against a local HTTP server
// on 127.0.0.1 that speaks the part of the AWS Backup REST API the handler uses (AWS cannot be
// reached from tests). The server keeps a vault's recovery points and backup jobs, and deletes
// a point asynchronously, as AWS Backup does: DELETING first, gone a few listings later.
import * as http from 'http';
import { AddressInfo } from 'net';
import type { CleanupEvent } from '../src/private/backup-vault-cleanup/cleanup.lambda';

const VAULT = 'Nag-Dashboard-Backup-VaultName-1A2B3C4D-0123456789ab';
const arnOf = (n: number) => `arn:aws:backup:eu-west-2:123456789012:recovery-point:${n.toString(16).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;

interface Point { status: string; listingsUntilGone?: number }
let points: Map<string, Point>;
let jobs: Map<string, string>;
let requests: string[];
/** Listings a DELETING point stays visible for. */
let deletionLag: number;

let server: http.Server;
let handler: (event: CleanupEvent, context: { getRemainingTimeInMillis(): number }) => Promise<{ PhysicalResourceId: string }>;
const saved = { ...process.env };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown = {}) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const vaultPath = /^\/backup-vaults\/([^/]+)\/recovery-points\/?(.*)$/.exec(url.pathname);
    if (vaultPath && decodeURIComponent(vaultPath[1]) !== VAULT) {
      return send(404, { __type: 'ResourceNotFoundException', message: 'no such vault' });
    }
    if (req.method === 'GET' && vaultPath && vaultPath[2] === '') {
      // One point per page, so the handler must follow NextToken.
      for (const [arn, point] of points) {
        if (point.status === 'DELETING' && point.listingsUntilGone !== undefined && point.listingsUntilGone-- <= 0) {
          points.delete(arn);
        }
      }
      const all = [...points.entries()];
      const start = Number(url.searchParams.get('nextToken') ?? 0);
      const page = all.slice(start, start + 1).map(([arn, point]) => ({ RecoveryPointArn: arn, BackupVaultName: VAULT, Status: point.status }));
      return send(200, { RecoveryPoints: page, ...(start + 1 < all.length ? { NextToken: String(start + 1) } : {}) });
    }
    if (req.method === 'DELETE' && vaultPath) {
      const point = points.get(decodeURIComponent(vaultPath[2]));
      if (!point) {
        return send(404, { __type: 'ResourceNotFoundException', message: 'no such recovery point' });
      }
      if (point.status === 'CREATING') {
        return send(400, { __type: 'InvalidResourceStateException', message: 'the recovery point is being created' });
      }
      point.status = 'DELETING';
      point.listingsUntilGone = deletionLag;
      return send(200);
    }
    if (req.method === 'GET' && /^\/backup-jobs\/?$/.test(url.pathname)) {
      if (url.searchParams.get('backupVaultName') !== VAULT) {
        return send(404, { __type: 'ResourceNotFoundException', message: 'no such vault' });
      }
      const state = url.searchParams.get('state');
      const found = [...jobs.entries()].filter(([, s]) => s === state).map(([id, s]) => ({ BackupJobId: id, State: s, BackupVaultName: VAULT }));
      return send(200, { BackupJobs: found });
    }
    const stop = /^\/backup-jobs\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && stop) {
      const id = decodeURIComponent(stop[1]);
      jobs.set(id, 'ABORTED');
      // The job's half-made recovery point is then complete and can be deleted.
      for (const point of points.values()) {
        if (point.status === 'CREATING') {
          point.status = 'COMPLETED';
        }
      }
      return send(200);
    }
    return send(400, { __type: 'UnknownOperationException', message: `${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BACKUP: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    POLL_INTERVAL_MS: '10',
    VAULT_NAME: VAULT,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require('../src/private/backup-vault-cleanup/cleanup.lambda').handler;
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  points = new Map();
  jobs = new Map();
  requests = [];
  deletionLag = 2;
});

const plenty = { getRemainingTimeInMillis: () => 600_000 };
const deleteEvent: CleanupEvent = { RequestType: 'Delete', PhysicalResourceId: VAULT, ResourceProperties: { VaultName: VAULT } };
const quiet = () => jest.spyOn(console, 'log').mockImplementation(() => undefined);

test('deletes every recovery point, across pages, and returns once the vault lists none', async () => {
  for (let n = 1; n <= 3; n++) {
    points.set(arnOf(n), { status: 'COMPLETED' });
  }
  points.set(arnOf(4), { status: 'EXPIRED' });
  const log = quiet();
  try {
    await expect(handler(deleteEvent, plenty)).resolves.toEqual({ PhysicalResourceId: VAULT });
  } finally {
    log.mockRestore();
  }
  expect(points.size).toBe(0);
  const deletes = requests.filter((r) => r.startsWith('DELETE'));
  expect(deletes).toHaveLength(4);
  expect(deletes[0]).toBe(`DELETE /backup-vaults/${VAULT}/recovery-points/${encodeURIComponent(arnOf(1))}`);
});

test('stops the vault\'s running backup job, then deletes the point it was making', async () => {
  jobs.set('job-1', 'RUNNING');
  jobs.set('job-2', 'COMPLETED');
  points.set(arnOf(7), { status: 'CREATING' });
  const log = quiet();
  try {
    await handler(deleteEvent, plenty);
  } finally {
    log.mockRestore();
  }
  expect(requests.filter((r) => r.startsWith('POST'))).toEqual(['POST /backup-jobs/job-1']);
  expect(jobs.get('job-2')).toBe('COMPLETED');
  expect(points.size).toBe(0);
});

test('a point already being deleted is not deleted again, only waited for', async () => {
  points.set(arnOf(9), { status: 'DELETING', listingsUntilGone: 1 });
  const log = quiet();
  try {
    await handler(deleteEvent, plenty);
  } finally {
    log.mockRestore();
  }
  expect(requests.filter((r) => r.startsWith('DELETE'))).toEqual([]);
  expect(requests.filter((r) => r.startsWith('GET /backup-vaults')).length).toBeGreaterThanOrEqual(2);
});

test('fails with the vault and the count left when its time runs out first', async () => {
  deletionLag = 1_000_000;
  points.set(arnOf(1), { status: 'COMPLETED' });
  points.set(arnOf(2), { status: 'COMPLETED' });
  const log = quiet();
  try {
    await expect(handler(deleteEvent, { getRemainingTimeInMillis: () => 20_000 }))
      .rejects.toThrow(`backup vault ${VAULT} still holds 2 recovery point(s); delete the stack again to retry`);
  } finally {
    log.mockRestore();
  }
});

test('create and update touch nothing', async () => {
  points.set(arnOf(1), { status: 'COMPLETED' });
  await expect(handler({ RequestType: 'Create', ResourceProperties: { VaultName: VAULT } }, plenty)).resolves.toEqual({ PhysicalResourceId: VAULT });
  await expect(handler({ RequestType: 'Update', PhysicalResourceId: VAULT, ResourceProperties: { VaultName: VAULT } }, plenty)).resolves.toEqual({ PhysicalResourceId: VAULT });
  expect(requests).toEqual([]);
  expect(points.size).toBe(1);
});

test('the vault comes from the configuration: an event without VaultName empties the configured vault', async () => {
  points.set(arnOf(1), { status: 'COMPLETED' });
  const log = quiet();
  try {
    await expect(handler({ RequestType: 'Delete', ResourceProperties: {} }, plenty)).resolves.toEqual({ PhysicalResourceId: VAULT });
  } finally {
    log.mockRestore();
  }
  expect(points.size).toBe(0);
});

test('an event naming another vault is refused and touches nothing', async () => {
  points.set(arnOf(1), { status: 'COMPLETED' });
  jobs.set('job-1', 'RUNNING');
  await expect(handler({ ...deleteEvent, ResourceProperties: { VaultName: 'someone-elses-vault' } }, plenty))
    .rejects.toThrow(`refused: the event names the vault "someone-elses-vault", this function empties ${VAULT} only`);
  expect(requests).toEqual([]);
  expect(points.size).toBe(1);
  expect(jobs.get('job-1')).toBe('RUNNING');
});

test('without its configured vault it does nothing', async () => {
  delete process.env.VAULT_NAME;
  try {
    await expect(handler(deleteEvent, plenty)).rejects.toThrow('VAULT_NAME is not set');
  } finally {
    process.env.VAULT_NAME = VAULT;
  }
  expect(requests).toEqual([]);
});

test('an unknown vault is an error, not an empty vault', async () => {
  process.env.VAULT_NAME = 'other-vault';
  const log = quiet();
  try {
    await expect(handler({ RequestType: 'Delete', ResourceProperties: { VaultName: 'other-vault' } }, plenty)).rejects.toThrow();
  } finally {
    log.mockRestore();
    process.env.VAULT_NAME = VAULT;
  }
});
