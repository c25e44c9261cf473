// `panintelligence-boot configure`, run for real in a scratch directory: the helper as rendered
// into the user data, the config file as rendered, and a stand-in `aws` first in PATH that
// answers get-secret-value with fixed JSON (AWS cannot be reached from tests).
import * as fs from 'fs';
import * as path from 'path';
import {
  BOOT_SRC_DIR,
  DATABASE_SECRET_ARN,
  heredocBody,
  installRenderedHelper,
  LICENCE_SECRET_ARN,
  makeTempDir,
  permissions,
  PUBLIC_HOST,
  REGION,
  renderUserDataText,
  run,
  writeExecutable,
} from './harness';

const AWS_STUB = `#!/bin/bash
# Stand-in for the AWS CLI: records its arguments, answers get-secret-value from a file.
printf '%s\\n' "$*" >>"$STUB_AWS_LOG"
id=
while (($#)); do
  if [[ $1 == --secret-id ]]; then id=$2; fi
  shift
done
file=$STUB_SECRETS/$(printf %s "$id" | tr -c 'A-Za-z0-9' _).json
if [[ -f $file ]]; then
  cat "$file"
else
  echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation" >&2
  exit 254
fi
`;

// Everything that must reach the env files verbatim: no shell, sed or quoting may touch it.
const NASTY = 'Pw0rdMark=a&b/c$HOME \'q\' "dq" \\back\\\\slash ;|*? %s{}[]~#! ';
const ROTATED = 'Rotated0Mark=&/$\'"\\ pw';
// A value a shell would run (in the scratch directory) if it ever evaluated one.
const USERNAME = 'pi_admin$(touch EVAL)`touch TICK`';
// A one-line licence: XML declaration, attributes in both quotes, an entity, base64, non-ASCII letters.
const LICENCE_XML = '<?xml version="1.0"?><licence customer="Acme &amp; Söhne (UK)" key="k=v/x+y==" expires=\'2030-01-01\' users="5">ALM-1, id: a_b;</licence>';

interface Scenario {
  readonly dir: string;
  readonly root: string;
  readonly env: Record<string, string>;
  readonly helper: string;
}

let scenario: Scenario;

function setUp(withLicence = true): Scenario {
  const dir = makeTempDir('configure');
  const root = path.join(dir, 'var', 'panintelligence');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(path.join(dir, 'secrets'));
  writeExecutable(path.join(dir, 'bin', 'aws'), AWS_STUB);
  // Never let a test install anything on this machine if a code path reaches for a package.
  for (const tool of ['apt-get', 'snap']) {
    writeExecutable(path.join(dir, 'bin', tool), `#!/bin/bash\necho "${tool} must not run in tests" >&2\nexit 99\n`);
  }
  const config = path.join(dir, 'cdk.env');
  fs.writeFileSync(config, heredocBody(renderUserDataText({ withLicence }), 'PI_CDK_ENV'), { mode: 0o600 });
  const helper = installRenderedHelper(dir);
  return {
    dir,
    root,
    helper,
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      PI_CDK_CONFIG: config,
      PI_ROOT: root,
      PI_OWNER: '4242:4343',
      PI_RETRY_DELAY: '0',
      STUB_AWS_LOG: path.join(dir, 'aws.log'),
      STUB_SECRETS: path.join(dir, 'secrets'),
    },
  };
}

function setSecret(arn: string, secretString: string) {
  const response = {
    ARN: arn,
    Name: arn.split(':').pop(),
    VersionId: 'b1b2b3b4-0000-1111-2222-333344445555',
    SecretString: secretString,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: '2026-01-01T00:00:00+00:00',
  };
  const file = path.join(scenario.dir, 'secrets', `${arn.replace(/[^A-Za-z0-9]/g, '_')}.json`);
  fs.writeFileSync(file, JSON.stringify(response, null, 4) + '\n');
}

function databaseSecret(password: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    dbClusterIdentifier: undefined,
    engine: 'mariadb',
    host: 'dashboard-db.abcdefghijkl.eu-west-2.rds.amazonaws.com',
    port: 3306,
    username: USERNAME,
    password,
    dbname: 'ignored',
    ...extra,
  });
}

// Fragments of every secret value used here that survive JSON escaping: none may ever be printed.
const SECRET_MARKS = ['Pw0rdMark', 'Rotated0Mark', 'pi_admin', 'Acme', 'ALM-1234', 'hunter2', '<key>'];

function configure() {
  // In the scratch directory, where a value that got evaluated would leave a file.
  const result = run('bash', [scenario.helper, 'configure'], scenario.env, scenario.dir);
  const output = `${result.stdout}${result.stderr}`;
  for (const mark of SECRET_MARKS) {
    expect(output).not.toContain(mark);
  }
  return { ...result, output };
}

function envFile(name: string): string {
  return fs.readFileSync(path.join(scenario.root, name), 'utf-8');
}

function linesWith(content: string, key: string): string[] {
  return content.split('\n').filter((line) => line.startsWith(`${key}=`));
}

const PROXY_LINES = [
  'PI_EXTERNAL_DB=true',
  'PI_PROXY_ENABLED=true',
  'PI_PROXY_SCHEME=https',
  `PI_PROXY_HOST=${PUBLIC_HOST}`,
  'PI_PROXY_PORT=443',
  'PI_PROXY_IS_SECURE=true',
  'PI_TOMCAT_COOKIE_SECURE=true',
];

afterEach(() => {
  try {
    // No value was ever evaluated by a shell.
    expect(fs.readdirSync(scenario.dir).filter((name) => ['EVAL', 'TICK', 'SOURCED'].includes(name))).toEqual([]);
  } finally {
    fs.rmSync(scenario.dir, { recursive: true, force: true });
  }
});

describe('with a licence secret', () => {
  beforeEach(() => {
    scenario = setUp(true);
    setSecret(DATABASE_SECRET_ARN, databaseSecret(NASTY));
    setSecret(LICENCE_SECRET_ARN, `${LICENCE_XML}\n`);
  });

  test('replaces keys where they stand, keeps other lines, owner and adds the rest', () => {
    const dashboard = path.join(scenario.root, 'dashboard.env');
    fs.writeFileSync(dashboard, [
      '# Panintelligence dashboard settings',
      'PI_JAVA_OPTS=-Xmx2g -Dfile.encoding=UTF-8',
      'PI_DB_HOST=localhost',
      'PI_DB_PASSWORD=old',
      'PI_DB_HOST=duplicate',
      'export PI_DB_PORT=3307',
      '#PI_DB_PASSWORD=commented',
      'PI_OTHER=keep=me',
      'PI_LICENCE=from-the-image',
    ].join('\n'), { mode: 0o644 });
    fs.chownSync(dashboard, 1234, 5678);

    const result = configure();
    expect(result.stderr).toContain('wrote');
    expect(result.status).toBe(0);

    expect(envFile('dashboard.env')).toBe([
      '# Panintelligence dashboard settings',
      'PI_JAVA_OPTS=-Xmx2g -Dfile.encoding=UTF-8',
      'PI_DB_HOST=dashboard-db.abcdefghijkl.eu-west-2.rds.amazonaws.com',
      `PI_DB_PASSWORD=${NASTY}`,
      'PI_DB_PORT=3306',
      '#PI_DB_PASSWORD=commented',
      'PI_OTHER=keep=me',
      `PI_LICENCE=${LICENCE_XML}`,
      `PI_DB_USERNAME=${USERNAME}`,
      'PI_DB_SCHEMA_NAME=dashboard',
      ...PROXY_LINES,
      '',
    ].join('\n'));
    const stat = fs.statSync(dashboard);
    expect(permissions(dashboard)).toBe(0o600);
    expect([stat.uid, stat.gid]).toEqual([1234, 5678]);
  });

  test('creates a missing env file with mode 0600 and the data owner; the scheduler gets only the database', () => {
    expect(configure().status).toBe(0);
    expect(envFile('scheduler.env')).toBe([
      'PI_DB_HOST=dashboard-db.abcdefghijkl.eu-west-2.rds.amazonaws.com',
      'PI_DB_PORT=3306',
      `PI_DB_USERNAME=${USERNAME}`,
      `PI_DB_PASSWORD=${NASTY}`,
      'PI_DB_SCHEMA_NAME=dashboard',
      '',
    ].join('\n'));
    for (const name of ['dashboard.env', 'scheduler.env']) {
      const stat = fs.statSync(path.join(scenario.root, name));
      expect(permissions(path.join(scenario.root, name))).toBe(0o600);
      expect([stat.uid, stat.gid]).toEqual([4242, 4343]);
    }
    // No temporary file is left behind.
    expect(fs.readdirSync(scenario.root).sort()).toEqual(['dashboard.env', 'scheduler.env']);
  });

  test('a second boot after rotation replaces the password, never duplicating a key', () => {
    fs.writeFileSync(path.join(scenario.root, 'scheduler.env'), 'PI_SCHEDULER_THREADS=4\n');
    const first = configure();
    expect(first.status).toBe(0);
    const before = { dashboard: envFile('dashboard.env'), scheduler: envFile('scheduler.env') };

    setSecret(DATABASE_SECRET_ARN, databaseSecret(ROTATED));
    const second = configure();
    expect(second.status).toBe(0);

    for (const [name, old] of [['dashboard.env', before.dashboard], ['scheduler.env', before.scheduler]]) {
      const content = envFile(name);
      expect(content).toBe(old.replace(`PI_DB_PASSWORD=${NASTY}`, () => `PI_DB_PASSWORD=${ROTATED}`));
      const keys = content.trim().split('\n').map((line) => line.split('=')[0]);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(envFile('scheduler.env').startsWith('PI_SCHEDULER_THREADS=4\n')).toBe(true);
  });

  test('reads both secrets in the configured region', () => {
    expect(configure().status).toBe(0);
    const calls = fs.readFileSync(scenario.env.STUB_AWS_LOG, 'utf-8').trim().split('\n');
    expect(calls).toEqual([
      `--region ${REGION} --output json secretsmanager get-secret-value --secret-id ${DATABASE_SECRET_ARN}`,
      `--region ${REGION} --output json secretsmanager get-secret-value --secret-id ${LICENCE_SECRET_ARN}`,
    ]);
  });

  test.each([
    ['a "licence" key', JSON.stringify({ licence: ' ALM-1234-abcd ' }), 'ALM-1234-abcd'],
    ['a single key', JSON.stringify({ PanintelligenceLicence: LICENCE_XML }), LICENCE_XML],
    ['a plain Automated Licence Manager id', 'ALM-1234-abcd', 'ALM-1234-abcd'],
    ['a plain number', '12345', '12345'],
  ])('takes the licence from a secret holding %s', (_, secretString, licence) => {
    setSecret(LICENCE_SECRET_ARN, secretString);
    expect(configure().status).toBe(0);
    expect(linesWith(envFile('dashboard.env'), 'PI_LICENCE')).toEqual([`PI_LICENCE=${licence}`]);
    expect(envFile('scheduler.env')).not.toContain('PI_LICENCE');
  });

  test.each([
    ['is multi-line', '<licence>\n  <key>abc</key>\n</licence>', 'PI_LICENCE must be a single line'],
    ['is JSON without a licence key', JSON.stringify({ a: 'x', b: 'y' }), 'without a "licence" key'],
    ['is empty', '  \n', 'the licence secret is empty'],
  ])('fails, leaving the env files alone, when the licence secret %s', (_, secretString, message) => {
    fs.writeFileSync(path.join(scenario.root, 'dashboard.env'), 'PI_DB_PASSWORD=old\n', { mode: 0o640 });
    setSecret(LICENCE_SECRET_ARN, secretString);
    const result = configure();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(envFile('dashboard.env')).toBe('PI_DB_PASSWORD=old\n');
    expect(permissions(path.join(scenario.root, 'dashboard.env'))).toBe(0o640);
    expect(fs.readdirSync(scenario.root)).toEqual(['dashboard.env']);
  });

  test.each([
    ['a command substitution', 'ALM-1234$(touch EVAL)', 0x24],
    ['a backquote', 'ALM-1234`touch TICK`', 0x60],
    ['a variable', '<licence>ALM-1234 ${HOME}</licence>', 0x24],
    ['a backslash', '<licence>ALM-1234\\n</licence>', 0x5c],
    ['a glob', '<licence>ALM-1234*</licence>', 0x2a],
    ['a pipe', '<licence>ALM-1234|id</licence>', 0x7c],
    ['a history expansion', '<licence>ALM-1234!!</licence>', 0x21],
    ['a tab', '<licence>ALM-1234\tx</licence>', 0x09],
    ['a NUL', '<licence>ALM-1234\u0000</licence>', 0x00],
  ])('refuses a licence holding %s: nothing is written where a shell might read it', (_, licence, codePoint) => {
    fs.writeFileSync(path.join(scenario.root, 'dashboard.env'), 'PI_DB_PASSWORD=old\n', { mode: 0o640 });
    setSecret(LICENCE_SECRET_ARN, licence);
    const result = configure();
    expect(result.status).not.toBe(0);
    // The code point only: no part of the licence is printed.
    expect(result.stderr).toContain(`the licence holds a character no licence has (U+${codePoint.toString(16).toUpperCase().padStart(4, '0')})`);
    expect(envFile('dashboard.env')).toBe('PI_DB_PASSWORD=old\n');
    expect(fs.readdirSync(scenario.root)).toEqual(['dashboard.env']);
  });

  test('hands the secrets to the parser through pipes, never a here-string (which bash may put in a temporary file)', () => {
    const source = fs.readFileSync(path.join(BOOT_SRC_DIR, 'panintelligence-boot.sh'), 'utf-8');
    expect(source).not.toMatch(/<<<\s*"?\$(database|licence)/);
    expect(source).not.toContain('<<<');
    expect(source).toContain('3< <(printf \'%s\' "$database") 4< <(printf \'%s\' "$licence")');
  });

  test('fails loudly after retrying when the database secret cannot be read', () => {
    fs.writeFileSync(path.join(scenario.root, 'dashboard.env'), 'PI_DB_PASSWORD=old\n');
    fs.rmSync(path.join(scenario.dir, 'secrets'), { recursive: true });
    fs.mkdirSync(path.join(scenario.dir, 'secrets'));
    const result = configure();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`cannot read the database secret ${DATABASE_SECRET_ARN}`);
    expect(result.stderr).toContain('attempt 7 of 8 failed');
    const calls = fs.readFileSync(scenario.env.STUB_AWS_LOG, 'utf-8').trim().split('\n');
    expect(calls).toHaveLength(8);
    expect(envFile('dashboard.env')).toBe('PI_DB_PASSWORD=old\n');
  });

  test.each([
    ['password', { password: undefined }],
    ['host', { host: '' }],
  ])('fails when the database secret has no %s', (key, extra) => {
    setSecret(DATABASE_SECRET_ARN, databaseSecret('pw', extra));
    const result = configure();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`the database secret has no "${key}"`);
    expect(fs.readdirSync(scenario.root)).toEqual([]);
  });

  test('fails when the database secret is not JSON', () => {
    setSecret(DATABASE_SECRET_ARN, 'hunter2-not-json');
    const result = configure();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('the database secret is not JSON');
  });

  test('defaults the port when the secret has none', () => {
    setSecret(DATABASE_SECRET_ARN, databaseSecret('pw', { port: undefined }));
    expect(configure().status).toBe(0);
    expect(linesWith(envFile('scheduler.env'), 'PI_DB_PORT')).toEqual(['PI_DB_PORT=3306']);
  });
});

describe('without a licence secret', () => {
  beforeEach(() => {
    scenario = setUp(false);
    setSecret(DATABASE_SECRET_ARN, databaseSecret('pw'));
  });

  test('writes no licence and reads only the database secret', () => {
    const result = configure();
    expect(result.status).toBe(0);
    expect(envFile('dashboard.env')).not.toContain('PI_LICENCE');
    expect(linesWith(envFile('dashboard.env'), 'PI_PROXY_HOST')).toEqual([`PI_PROXY_HOST=${PUBLIC_HOST}`]);
    const calls = fs.readFileSync(scenario.env.STUB_AWS_LOG, 'utf-8').trim().split('\n');
    expect(calls).toEqual([`--region ${REGION} --output json secretsmanager get-secret-value --secret-id ${DATABASE_SECRET_ARN}`]);
  });

  test('leaves a licence the image carries in place', () => {
    fs.writeFileSync(path.join(scenario.root, 'dashboard.env'), 'PI_LICENCE=image-trial\n');
    expect(configure().status).toBe(0);
    expect(linesWith(envFile('dashboard.env'), 'PI_LICENCE')).toEqual(['PI_LICENCE=image-trial']);
  });
});

describe('the config file', () => {
  beforeEach(() => {
    scenario = setUp(true);
  });

  test('is required', () => {
    fs.rmSync(scenario.env.PI_CDK_CONFIG);
    const result = configure();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`cannot read ${scenario.env.PI_CDK_CONFIG}`);
  });

  test('is parsed, never sourced', () => {
    fs.appendFileSync(scenario.env.PI_CDK_CONFIG, 'PI_CDK_PUBLIC_HOST=$(touch SOURCED)x.example.com\n');
    setSecret(DATABASE_SECRET_ARN, databaseSecret('pw'));
    setSecret(LICENCE_SECRET_ARN, 'ALM-1');
    expect(configure().status).toBe(0);
    expect(linesWith(envFile('dashboard.env'), 'PI_PROXY_HOST')).toEqual(['PI_PROXY_HOST=$(touch SOURCED)x.example.com']);
  });
});
