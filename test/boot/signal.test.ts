// `panintelligence-boot signal` and `signal-failure`, and the boot budget's deadline, run for
// real: the helper as rendered, the config as rendered, a local HTTP server on 127.0.0.1 that
// plays the instance metadata service and the dashboard's /pi/version, and a stand-in `aws`
// first in PATH that records its arguments (AWS cannot be reached from tests).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import {
  heredocBody,
  installRenderedHelper,
  makeTempDir,
  REGION,
  renderUserDataText,
  SIGNAL_RESOURCE,
  STACK_ID,
  writeExecutable,
} from './harness';

const INSTANCE_ID = 'i-0123456789abcdef0';
const TOKEN = 'imds-token-AbCd';

const AWS_STUB = `#!/bin/bash
# Stand-in for the AWS CLI: records its arguments; exits with STUB_AWS_EXIT.
printf '%s\\n' "$*" >>"$STUB_AWS_LOG"
if [[ " $* " == *" get-secret-value "* ]]; then
  echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation" >&2
  exit 254
fi
if [[ \${STUB_AWS_EXIT:-0} != 0 ]]; then
  echo "An error occurred (ValidationError) when calling the SignalResource operation: Signal is not expected" >&2
fi
exit "\${STUB_AWS_EXIT:-0}"
`;

let server: http.Server;
let base: string;
/** Status codes /pi/version answers, one per request; the last one repeats. */
let appAnswers: number[];
let appRequests: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      res.end(TOKEN);
    } else if (req.method === 'GET' && req.url === '/latest/meta-data/instance-id') {
      // IMDSv2 only, as the launch template requires.
      res.writeHead(req.headers['x-aws-ec2-metadata-token'] === TOKEN ? 200 : 401).end(INSTANCE_ID);
    } else if (req.method === 'GET' && req.url === '/pi/version') {
      const status = appAnswers[Math.min(appRequests, appAnswers.length - 1)];
      appRequests++;
      res.writeHead(status).end(status === 200 ? '2026.11' : 'starting');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let dir: string;
let helper: string;

beforeEach(() => {
  dir = makeTempDir('signal');
  appAnswers = [200];
  appRequests = 0;
  writeExecutable(path.join(dir, 'bin', 'aws'), AWS_STUB);
  for (const tool of ['apt-get', 'snap']) {
    writeExecutable(path.join(dir, 'bin', tool), `#!/bin/bash\necho "${tool} must not run in tests" >&2\nexit 99\n`);
  }
  writeConfig(Duration.minutes(10));
  helper = installRenderedHelper(dir);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(bootBudget?: Duration) {
  fs.writeFileSync(path.join(dir, 'cdk.env'), heredocBody(renderUserDataText({ bootBudget }), 'PI_CDK_ENV'), { mode: 0o600 });
}

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly aws: string[];
}

/** Runs the helper asynchronously, so that this process's HTTP server can answer it. */
function runHelper(command: string, env: Record<string, string> = {}): Promise<Run> {
  const child = spawn('bash', [helper, command], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      PI_CDK_CONFIG: path.join(dir, 'cdk.env'),
      PI_ROOT: path.join(dir, 'root'),
      PI_RUN_DIR: path.join(dir, 'run'),
      PI_IMDS_URL: base,
      PI_HEALTH_URL: `${base}/pi/version`,
      PI_HEALTH_INTERVAL: '1',
      PI_RETRY_DELAY: '0',
      STUB_AWS_LOG: path.join(dir, 'aws.log'),
      ...env,
    },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const log = path.join(dir, 'aws.log');
      const aws = fs.existsSync(log) ? fs.readFileSync(log, 'utf-8').trimEnd().split('\n') : [];
      resolve({ status, stderr, aws });
    });
  });
}

function signalCall(status: 'SUCCESS' | 'FAILURE'): string {
  return `--region ${REGION} cloudformation signal-resource --stack-name ${STACK_ID} `
    + `--logical-resource-id ${SIGNAL_RESOURCE} --unique-id ${INSTANCE_ID} --status ${status}`;
}

/** A deadline `seconds` from now, as the first boot would compute it from the budget. */
function deadlineIn(seconds: number): Record<string, string> {
  return { PI_BOOT_DEADLINE: `${Math.floor(Date.now() / 1000) + seconds}` };
}

describe('signal', () => {
  test('signals SUCCESS with the stack, the group and this instance once /pi/version answers 200', async () => {
    const result = await runHelper('signal', deadlineIn(60));
    expect(result.stderr).toContain(`signalled SUCCESS for ${INSTANCE_ID}`);
    expect(result.status).toBe(0);
    expect(result.aws).toEqual([signalCall('SUCCESS')]);
    expect(fs.readFileSync(path.join(dir, 'run', 'signalled'), 'utf-8')).toBe('SUCCESS\n');
  });

  test('waits while the dashboard starts (503, then a redirect) and signals SUCCESS at its first 200', async () => {
    appAnswers = [503, 302, 200];
    const result = await runHelper('signal', deadlineIn(60));
    expect(result.status).toBe(0);
    expect(appRequests).toBe(3);
    expect(result.aws).toEqual([signalCall('SUCCESS')]);
  });

  test('signals FAILURE and fails when the dashboard does not answer 200 before the deadline', async () => {
    appAnswers = [503];
    const result = await runHelper('signal', deadlineIn(3));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('did not answer 200');
    expect(result.aws).toEqual([signalCall('FAILURE')]);
    // It polled every second until the deadline, no longer.
    expect(appRequests).toBeGreaterThanOrEqual(1);
    expect(appRequests).toBeLessThanOrEqual(4);
    expect(fs.readFileSync(path.join(dir, 'run', 'signalled'), 'utf-8')).toBe('FAILURE\n');
  });

  test('a refused signal (nothing waits, e.g. a scale-out) does not fail a healthy boot', async () => {
    const result = await runHelper('signal', { ...deadlineIn(60), STUB_AWS_EXIT: '254' });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('could not signal SUCCESS');
    // Retried three times, then given up.
    expect(result.aws).toEqual([signalCall('SUCCESS'), signalCall('SUCCESS'), signalCall('SUCCESS')]);
  });

  test('sends nothing when the config names no stack (user data rendered without a signal)', async () => {
    writeConfig(undefined);
    const result = await runHelper('signal', deadlineIn(60));
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('no stack to signal');
    expect(result.aws).toEqual([]);
    expect(appRequests).toBe(0);
  });
});

describe('signal-failure (the first boot script failed)', () => {
  test('signals FAILURE at once', async () => {
    const result = await runHelper('signal-failure', deadlineIn(60));
    expect(result.status).toBe(0);
    expect(result.aws).toEqual([signalCall('FAILURE')]);
    expect(appRequests).toBe(0);
  });

  test('signals FAILURE even after the deadline: the reserve is kept for it', async () => {
    const result = await runHelper('signal-failure', deadlineIn(-30));
    expect(result.aws).toEqual([signalCall('FAILURE')]);
  });

  test('sends nothing more once the boot has signalled', async () => {
    expect((await runHelper('signal', deadlineIn(60))).aws).toEqual([signalCall('SUCCESS')]);
    const again = await runHelper('signal-failure', deadlineIn(60));
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('already signalled SUCCESS');
    expect(again.aws).toEqual([signalCall('SUCCESS')]);
  });
});

describe('the boot budget bounds the retries', () => {
  // `configure` retries reading the database secret 8 times; the stand-in never finds it.
  const secretReads = (run: Run) => run.aws.filter((line) => line.includes('get-secret-value')).length;

  test('without a deadline every attempt is made', async () => {
    const result = await runHelper('configure', { PI_UPTIME_FILE: uptimeFile(3600) });
    expect(result.status).toBe(1);
    expect(secretReads(result)).toBe(8);
  });

  test('within the boot budget, retries stop at budget minus reserve after the kernel started', async () => {
    // 600 s budget, 90 s reserve: an instance up for 515 s has no time left for a retry.
    const result = await runHelper('configure', { PI_UPTIME_FILE: uptimeFile(515) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('giving up: the boot budget is spent');
    expect(secretReads(result)).toBe(1);
  });

  test('a retry that would sleep past the deadline is not made', async () => {
    // Up 100 s: 410 s are left, less than the 500 s the next retry would wait.
    const result = await runHelper('configure', { PI_UPTIME_FILE: uptimeFile(100), PI_RETRY_DELAY: '500' });
    expect(result.stderr).toContain('giving up: the boot budget is spent');
    expect(secretReads(result)).toBe(1);
  });

  test('the env-file unit may run no longer than the boot budget', async () => {
    const systemd = path.join(dir, 'systemd');
    fs.mkdirSync(systemd);
    writeExecutable(path.join(dir, 'bin', 'systemctl'), '#!/bin/bash\nexit 0\n');
    const result = await runHelper('install-units', { PI_SYSTEMD_DIR: systemd, PI_UPTIME_FILE: uptimeFile(30) });
    expect(result.status).toBe(0);
    const unit = fs.readFileSync(path.join(systemd, 'panintelligence-config.service'), 'utf-8').split('\n');
    expect(unit.filter((line) => line.startsWith('TimeoutStartSec='))).toEqual(['TimeoutStartSec=600s']);
  });

  function uptimeFile(seconds: number): string {
    const file = path.join(dir, `uptime-${seconds}`);
    fs.writeFileSync(file, `${seconds}.37 ${seconds * 2}.11\n`);
    return file;
  }
});
