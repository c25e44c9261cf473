// `panintelligence-boot wait-for-old-version`, run for real: the helper and the config as rendered,
// a local HTTP server on 127.0.0.1 that plays the instance metadata service, and a stand-in `aws`
// first in PATH that answers the two Auto Scaling calls from a script and records its arguments.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { heredocBody, installRenderedHelper, makeTempDir, REGION, renderUserDataText, writeExecutable } from './harness';

const INSTANCE_ID = 'i-0123456789abcdef0';
const GROUP = 'Dashboard-FleetAutoScalingGroupASG-1A2B3C4D';
const TOKEN = 'imds-token-AbCd';

// Answers describe-auto-scaling-instances with this instance's group and launch template version,
// and describe-auto-scaling-groups with two instances of another version for the first
// STUB_OLD_LISTINGS calls, then with none (the query's filter is the real CLI's to apply).
const AWS_STUB = `#!/bin/bash
printf '%s\\n' "$*" >>"$STUB_AWS_LOG"
case " $* " in
  *" describe-auto-scaling-instances "*) printf '%s\\t%s\\n' "$STUB_GROUP" "$STUB_VERSION" ;;
  *" describe-auto-scaling-groups "*)
    n=$(cat "$STUB_COUNTER" 2>/dev/null || echo 0)
    echo $((n + 1)) >"$STUB_COUNTER"
    if ((n < STUB_OLD_LISTINGS)); then printf 'i-0old00000000000001\\ti-0old00000000000002\\n'; else echo; fi
    ;;
  *) echo "unexpected call: $*" >&2; exit 99 ;;
esac
`;

let server: http.Server;
let base: string;
let metadataRequests: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    metadataRequests++;
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      res.end(TOKEN);
    } else if (req.method === 'GET' && req.url === '/latest/meta-data/instance-id') {
      res.writeHead(req.headers['x-aws-ec2-metadata-token'] === TOKEN ? 200 : 401).end(INSTANCE_ID);
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
  dir = makeTempDir('old-version');
  metadataRequests = 0;
  writeExecutable(path.join(dir, 'bin', 'aws'), AWS_STUB);
  for (const tool of ['apt-get', 'snap']) {
    writeExecutable(path.join(dir, 'bin', tool), `#!/bin/bash\necho "${tool} must not run in tests" >&2\nexit 99\n`);
  }
  helper = installRenderedHelper(dir);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(waitForOldVersion: boolean) {
  const text = renderUserDataText({ bootBudget: Duration.minutes(10), waitForOldVersion });
  fs.writeFileSync(path.join(dir, 'cdk.env'), heredocBody(text, 'PI_CDK_ENV'), { mode: 0o600 });
}

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly aws: string[];
}

function runHelper(env: Record<string, string>): Promise<Run> {
  const child = spawn('bash', [helper, 'wait-for-old-version'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      PI_CDK_CONFIG: path.join(dir, 'cdk.env'),
      PI_IMDS_URL: base,
      PI_RETRY_DELAY: '0',
      PI_OLD_VERSION_INTERVAL: '1',
      PI_BOOT_DEADLINE: `${Math.floor(Date.now() / 1000) + 60}`,
      STUB_AWS_LOG: path.join(dir, 'aws.log'),
      STUB_COUNTER: path.join(dir, 'listings'),
      STUB_GROUP: GROUP,
      STUB_VERSION: '4',
      STUB_OLD_LISTINGS: '0',
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

const describeSelf = `--region ${REGION} --output text autoscaling describe-auto-scaling-instances --instance-ids ${INSTANCE_ID} `
  + '--query AutoScalingInstances[0].[AutoScalingGroupName,LaunchTemplate.Version]';
const listOthers = `--region ${REGION} --output text autoscaling describe-auto-scaling-groups --auto-scaling-group-names ${GROUP} `
  + "--query AutoScalingGroups[0].Instances[?LaunchTemplate.Version!='4'].InstanceId";

test('in the rolling mode it does nothing and asks nothing', async () => {
  writeConfig(false);
  const result = await runHelper({ STUB_OLD_LISTINGS: '5' });
  expect(result.status).toBe(0);
  expect(result.aws).toEqual([]);
  expect(metadataRequests).toBe(0);
});

test('in the exclusive mode it waits while instances of another version are in the group, then returns', async () => {
  writeConfig(true);
  const result = await runHelper({ STUB_OLD_LISTINGS: '2' });
  expect(result.status).toBe(0);
  expect(result.aws).toEqual([describeSelf, listOthers, listOthers, listOthers]);
  expect(result.stderr).toContain(`waiting for i-0old00000000000001 i-0old00000000000002 (another launch template version than 4) to leave ${GROUP}`);
  expect(result.stderr).toContain(`no instance of another version is left in ${GROUP}`);
});

test('when the group holds only its own version, it returns at once', async () => {
  writeConfig(true);
  const result = await runHelper({ STUB_OLD_LISTINGS: '0' });
  expect(result.status).toBe(0);
  expect(result.aws).toEqual([describeSelf, listOthers]);
});

test('it gives up, failing the boot, when the old version is still there at the deadline', async () => {
  writeConfig(true);
  const result = await runHelper({ STUB_OLD_LISTINGS: '1000', PI_BOOT_DEADLINE: `${Math.floor(Date.now() / 1000) + 3}` });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`instances of another version are still in ${GROUP} within the boot budget: i-0old00000000000001 i-0old00000000000002`);
  // It polled about once a second until the deadline, no longer.
  expect(result.aws.filter((call) => call === listOthers).length).toBeLessThanOrEqual(4);
});

test('an instance outside an Auto Scaling group fails instead of starting unchecked', async () => {
  writeConfig(true);
  const result = await runHelper({ STUB_GROUP: 'None', STUB_VERSION: 'None' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`${INSTANCE_ID} is not in an Auto Scaling group with a launch template version`);
});
