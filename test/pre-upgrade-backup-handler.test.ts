// The pre-upgrade backup handler, run for real with its AWS SDK clients against a local HTTP
// server on 127.0.0.1 that speaks the parts of the AWS Backup REST API and of CloudFormation's
// query API the handler uses (AWS cannot be reached from tests). The server keeps backup jobs
// whose state advances one step each time a job is described, as a real job's does over minutes.
import * as http from 'http';
import { AddressInfo } from 'net';
import type { BackupCompletion, BackupEvent, BackupProgress, BackupStarted } from '../src/private/pre-upgrade-backup/pre-upgrade-backup.lambda';

const REGION = 'eu-west-2';
const STACK_ID = `arn:aws:cloudformation:${REGION}:123456789012:stack/Dashboard/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
const VAULT = 'Dashboard-Backup-Vault-0a1b2c3d4e5f';
const ROLE = 'arn:aws:iam::123456789012:role/Dashboard-BackupRole-1A2B3C';
const DATABASE = `arn:aws:rds:${REGION}:123456789012:db:dashboard-database-1a2b3c`;
const FILE_SYSTEM = `arn:aws:elasticfilesystem:${REGION}:123456789012:file-system/fs-0123456789abcdef0`;
const OLD_IMAGE = 'ami-0aaaaaaaaaaaaaaaa';
const NEW_IMAGE = 'ami-0bbbbbbbbbbbbbbbb';

interface Job {
  readonly id: string;
  readonly request: any;
  /** States the job reports, one per DescribeBackupJob; the last one repeats. */
  readonly states: string[];
  described: number;
  stopped: boolean;
}

let jobs: Map<string, Job>;
let requests: string[];
let stackStatus: string;
/** The states a new job goes through, by resource ARN. */
let script: Record<string, string[]>;

let server: http.Server;
let handler: {
  onEvent(event: BackupEvent): Promise<BackupStarted>;
  isComplete(event: BackupProgress): Promise<BackupCompletion>;
};
const saved = { ...process.env };

function stateOf(job: Job): string {
  if (job.stopped) {
    return 'ABORTED';
  }
  return job.states[Math.min(job.described, job.states.length - 1)];
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const url = new URL(req.url!, 'http://127.0.0.1');
      const json = (status: number, value: unknown = {}) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

      // CloudFormation (query protocol, XML answers).
      const form = new URLSearchParams(body);
      if (req.method === 'POST' && form.get('Action') === 'DescribeStacks') {
        requests.push(`DescribeStacks ${form.get('StackName')}`);
        return res.writeHead(200, { 'content-type': 'text/xml' }).end(
          '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
          + `<StackName>Dashboard</StackName><StackId>${form.get('StackName')}</StackId><StackStatus>${stackStatus}</StackStatus>`
          + '<CreationTime>2026-11-01T10:00:00Z</CreationTime></member></Stacks></DescribeStacksResult>'
          + '<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeStacksResponse>');
      }

      // AWS Backup (REST, JSON).
      if (req.method === 'PUT' && url.pathname === '/backup-jobs') {
        const request = JSON.parse(body);
        requests.push(`StartBackupJob ${request.ResourceArn}`);
        if (request.BackupVaultName !== VAULT) {
          return json(400, { __type: 'ResourceNotFoundException', message: 'no such vault' });
        }
        // The idempotency token makes a repeated call answer with the job it already started.
        const existing = [...jobs.values()].find((job) => job.request.IdempotencyToken === request.IdempotencyToken);
        const id = existing?.id ?? `job-${jobs.size + 1}`;
        if (!existing) {
          jobs.set(id, { id, request, states: script[request.ResourceArn] ?? ['CREATED', 'RUNNING', 'COMPLETED'], described: 0, stopped: false });
        }
        return json(200, { BackupJobId: id, CreationDate: 1790000000 });
      }
      const jobPath = /^\/backup-jobs\/([^/]+)$/.exec(url.pathname);
      const job = jobPath ? jobs.get(decodeURIComponent(jobPath[1])) : undefined;
      if (jobPath && !job) {
        return json(404, { __type: 'ResourceNotFoundException', message: 'no such job' });
      }
      if (req.method === 'GET' && job) {
        requests.push(`DescribeBackupJob ${job.id}`);
        const state = stateOf(job);
        job.described++;
        return json(200, {
          BackupJobId: job.id,
          BackupVaultName: VAULT,
          ResourceArn: job.request.ResourceArn,
          State: state,
          ...(state === 'FAILED' ? { StatusMessage: 'Insufficient privileges to perform this action.' } : {}),
          ...(state === 'COMPLETED' ? { RecoveryPointArn: `arn:aws:backup:${REGION}:123456789012:recovery-point:${job.id}` } : {}),
        });
      }
      if (req.method === 'POST' && job) {
        requests.push(`StopBackupJob ${job.id}`);
        job.stopped = true;
        return json(200);
      }
      return json(400, { __type: 'UnknownOperationException', message: `${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BACKUP: endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    VAULT_NAME: VAULT,
    BACKUP_ROLE_ARN: ROLE,
    RETENTION_DAYS: '35',
    RESOURCE_ARNS: `${DATABASE},${FILE_SYSTEM}`,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require('../src/private/pre-upgrade-backup/pre-upgrade-backup.lambda');
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

let log: jest.SpyInstance;
beforeEach(() => {
  jobs = new Map();
  requests = [];
  stackStatus = 'UPDATE_IN_PROGRESS';
  script = {};
  delete process.env.BACKUP_TIMEOUT_SECONDS;
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => log.mockRestore());

function event(requestType: BackupEvent['RequestType'], newImage: string, oldImage?: string): BackupEvent {
  return {
    RequestType: requestType,
    StackId: STACK_ID,
    RequestId: `request-${requestType}-${newImage}`,
    LogicalResourceId: 'DashboardPreUpgradeBackup',
    PhysicalResourceId: requestType === 'Create' ? undefined : 'DashboardPreUpgradeBackup-pre-upgrade-backup',
    ResourceProperties: { ImageId: newImage },
    OldResourceProperties: oldImage ? { ImageId: oldImage } : undefined,
  };
}

/** What the provider framework does: onEvent, then isComplete until it is done or throws. */
async function runResource(request: BackupEvent, maxPolls = 20): Promise<{ polls: number; result: BackupCompletion }> {
  const started = await handler.onEvent(request);
  const progress: BackupProgress = { ...request, ...started };
  for (let polls = 1; polls <= maxPolls; polls++) {
    const result = await handler.isComplete(progress);
    if (result.IsComplete) {
      return { polls, result };
    }
  }
  throw new Error(`not complete after ${maxPolls} polls`);
}

describe('what a request starts', () => {
  test('create takes no backup: there is no data to protect yet', async () => {
    const { polls } = await runResource(event('Create', NEW_IMAGE));
    expect(polls).toBe(1);
    expect(requests).toEqual([]);
  });

  test('delete takes no backup', async () => {
    await expect(runResource(event('Delete', NEW_IMAGE, NEW_IMAGE))).resolves.toMatchObject({ polls: 1 });
    expect(requests).toEqual([]);
  });

  test('an update with the same image takes no backup and asks nothing', async () => {
    const started = await handler.onEvent(event('Update', OLD_IMAGE, OLD_IMAGE));
    expect(started).toEqual({ PhysicalResourceId: 'DashboardPreUpgradeBackup-pre-upgrade-backup' });
    await expect(handler.isComplete({ ...event('Update', OLD_IMAGE, OLD_IMAGE), ...started })).resolves.toEqual({ IsComplete: true });
    expect(requests).toEqual([]);
  });

  test('an update with a new image backs up the database and the file system into the vault, then completes', async () => {
    const { polls, result } = await runResource(event('Update', NEW_IMAGE, OLD_IMAGE));
    expect(requests.slice(0, 3)).toEqual([
      `DescribeStacks ${STACK_ID}`,
      `StartBackupJob ${DATABASE}`,
      `StartBackupJob ${FILE_SYSTEM}`,
    ]);
    expect([...jobs.values()].map((job) => job.request)).toEqual([DATABASE, FILE_SYSTEM].map((arn, index) => ({
      BackupVaultName: VAULT,
      ResourceArn: arn,
      IamRoleArn: ROLE,
      IdempotencyToken: `request-Update-${NEW_IMAGE}-${index}`,
      StartWindowMinutes: 60,
      Lifecycle: { DeleteAfterDays: 35 },
      RecoveryPointTags: {
        'panintelligence:purpose': 'pre-upgrade',
        'panintelligence:stack': 'Dashboard',
        'panintelligence:previous-image': OLD_IMAGE,
        'panintelligence:new-image': NEW_IMAGE,
      },
    })));
    // CREATED, RUNNING, COMPLETED: complete on the third poll, not before.
    expect(polls).toBe(3);
    expect(result).toEqual({
      IsComplete: true,
      Data: { RecoveryPointArns: `arn:aws:backup:${REGION}:123456789012:recovery-point:job-1,arn:aws:backup:${REGION}:123456789012:recovery-point:job-2` },
    });
    expect(requests.filter((r) => r.startsWith('StopBackupJob'))).toEqual([]);
  });

  test('a retried invocation of the same request starts no second job', async () => {
    const request = event('Update', NEW_IMAGE, OLD_IMAGE);
    const first = await handler.onEvent(request);
    const second = await handler.onEvent(request);
    expect(second.Data!.BackupJobIds).toBe(first.Data!.BackupJobIds);
    expect(jobs.size).toBe(2);
  });

  test('the retention comes from the environment', async () => {
    process.env.RETENTION_DAYS = '7';
    try {
      await handler.onEvent(event('Update', NEW_IMAGE, OLD_IMAGE));
    } finally {
      process.env.RETENTION_DAYS = '35';
    }
    expect([...jobs.values()].map((job) => job.request.Lifecycle)).toEqual([{ DeleteAfterDays: 7 }, { DeleteAfterDays: 7 }]);
  });
});

describe('a rollback', () => {
  test.each(['UPDATE_ROLLBACK_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'])('while the stack is %s, the old image comes back without a backup', async (status) => {
    stackStatus = status;
    // CloudFormation rolls back with the failed update's image as the old one.
    const { polls } = await runResource(event('Update', OLD_IMAGE, NEW_IMAGE));
    expect(polls).toBe(1);
    expect(requests).toEqual([`DescribeStacks ${STACK_ID}`]);
  });

  test('the same change outside a rollback (a deliberate downgrade) is backed up', async () => {
    await runResource(event('Update', OLD_IMAGE, NEW_IMAGE));
    expect(requests.filter((r) => r.startsWith('StartBackupJob'))).toHaveLength(2);
  });
});

describe('a backup that does not complete fails the update', () => {
  test.each([
    ['FAILED', / ended FAILED \(Insufficient privileges to perform this action\.\)/],
    ['ABORTED', / ended ABORTED:/],
    ['EXPIRED', / ended EXPIRED:/],
    ['PARTIAL', / ended PARTIAL:/],
  ])('a job that ends %s throws, naming the resource, and the other job is stopped', async (state, message) => {
    script[DATABASE] = ['CREATED', 'RUNNING', state];
    script[FILE_SYSTEM] = ['CREATED', 'RUNNING', 'RUNNING', 'RUNNING', 'COMPLETED'];
    const error = await runResource(event('Update', NEW_IMAGE, OLD_IMAGE)).catch((e: Error) => e);
    expect(String(error)).toMatch(new RegExp(`the pre-upgrade backup of ${DATABASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(String(error)).toMatch(message);
    expect(String(error)).toMatch(/no instance is replaced/);
    // The file system's job was still running: it is stopped, the failed one is left alone.
    expect(requests.filter((r) => r.startsWith('StopBackupJob'))).toEqual(['StopBackupJob job-2']);
  });

  test('jobs still running past the deadline fail the update and are stopped', async () => {
    process.env.BACKUP_TIMEOUT_SECONDS = '0';
    script[DATABASE] = ['CREATED', 'RUNNING'];
    script[FILE_SYSTEM] = ['COMPLETED'];
    const started = await handler.onEvent(event('Update', NEW_IMAGE, OLD_IMAGE));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(handler.isComplete({ ...event('Update', NEW_IMAGE, OLD_IMAGE), ...started }))
      .rejects.toThrow(`the pre-upgrade backup did not finish in time (${DATABASE} CREATED)`);
    expect(requests.filter((r) => r.startsWith('StopBackupJob'))).toEqual(['StopBackupJob job-1']);
  });

  test('before the deadline, a running job is only waited for', async () => {
    script[DATABASE] = ['RUNNING'];
    const started = await handler.onEvent(event('Update', NEW_IMAGE, OLD_IMAGE));
    await expect(handler.isComplete({ ...event('Update', NEW_IMAGE, OLD_IMAGE), ...started })).resolves.toEqual({ IsComplete: false });
    expect(requests.filter((r) => r.startsWith('StopBackupJob'))).toEqual([]);
  });

  test('a vault that AWS Backup does not know fails onEvent', async () => {
    process.env.VAULT_NAME = 'another-vault';
    try {
      await expect(handler.onEvent(event('Update', NEW_IMAGE, OLD_IMAGE))).rejects.toThrow('no such vault');
    } finally {
      process.env.VAULT_NAME = VAULT;
    }
  });
});
