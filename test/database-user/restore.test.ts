// The way back, on the database side, against a real MariaDB: the dashboard is provisioned and
// used, a backup is taken (its data and its accounts, with the password hashes of that time), the
// new version migrates the schema, and both secrets rotate. Restoring the backup brings back the
// old accounts and passwords; RDS then sets the master password from the master secret (what
// CloudFormation's MasterUserPassword does after a restore), and the provisioning run that a new
// database instance triggers brings the app's user in line with the app secret again.
import { execFileSync } from 'child_process';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import * as mysql from 'mysql2/promise';
import { startMariaDb, TestServer } from './mariadb';
import { handler } from '../../src/private/database-user/provision.lambda';
import { expectedGrants, quoteString, withoutPassword } from '../../src/private/database-user/sql';

const MASTER = 'piadmin';
const APP = 'pidashboard';
const CLONE = 'pidashboard_clone';

let server: TestServer;
let admin: mysql.Connection;
/** The Secrets Manager stand-in: secret id to its current value. */
const secrets = new Map<string, string>();
let api: Server;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startMariaDb();
  admin = await server.connect(server.admin.username, server.admin.password);
  api = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const id = JSON.parse(body).SecretId;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!secrets.has(id)) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `no secret ${id}` }));
        return;
      }
      res.end(JSON.stringify({ ARN: id, Name: id, SecretString: secrets.get(id), VersionId: 'v', VersionStages: ['AWSCURRENT'] }));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    DATABASE_TLS: 'off',
  });
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => api.close(resolve));
  await admin?.end();
  await server?.stop();
});

function setMaster(password: string) {
  secrets.set('master', JSON.stringify({ engine: 'mariadb', host: server.host, port: server.port, username: MASTER, password }));
}

function setApp(username: string, password: string) {
  secrets.set('app', JSON.stringify({ engine: 'mariadb', host: server.host, port: server.port, username, password, dbname: 'dashboard', masterarn: 'master' }));
}

/** The current value of a secret, as the instances and the rotation functions read it. */
function current(id: 'master' | 'app'): { username: string; password: string } {
  return JSON.parse(secrets.get(id)!);
}

const properties = (databaseInstance: string) => ({ MasterSecretArn: 'master', AppSecretArn: 'app', SchemaName: 'dashboard', DatabaseInstance: databaseInstance });

async function canLogIn(login: { username: string; password: string }): Promise<boolean> {
  try {
    const c = await server.connect(login.username, login.password);
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function grantsOf(username: string): Promise<string[]> {
  const [rows] = await admin.query({ sql: `SHOW GRANTS FOR ${quoteString(username)}@'%'`, rowsAsArray: true });
  return (rows as string[][]).map((row) => withoutPassword(row[0])).sort();
}

function client(args: string[], input?: string): string {
  return execFileSync('mariadb', ['--no-defaults', '-h', server.host, '-P', String(server.port), '-u', server.admin.username,
    `-p${server.admin.password}`, ...args], { input, encoding: 'utf-8' });
}

/**
 * What a snapshot holds, as SQL: the dashboard's schema with its data, and the master and app
 * accounts with the password hashes and grants of this moment.
 */
function backUp(): string {
  const dump = (args: string[]) => execFileSync('mariadb-dump', ['--no-defaults', '-h', server.host, '-P', String(server.port),
    '-u', server.admin.username, `-p${server.admin.password}`, '--single-transaction', ...args], { encoding: 'utf-8' });
  const ours = new RegExp(`\`(${MASTER}|${APP}|${CLONE})\`@`);
  const accounts = dump(['--system=users', '--no-data', '--databases', 'mysql']).split('\n')
    .filter((line) => /^(CREATE USER|GRANT) /.test(line) && ours.test(line));
  return [...accounts, dump(['--routines', '--databases', 'dashboard'])].join('\n');
}

/** The database comes back as the snapshot holds it, accounts and passwords included. */
function restore(snapshot: string) {
  client(['-e', `DROP DATABASE dashboard; DROP USER IF EXISTS ${[MASTER, APP, CLONE].map((u) => `${quoteString(u)}@'%'`).join(', ')}`]);
  client([], snapshot);
}

/** One step of Secrets Manager's alternating-users rotation (see provision.test.ts), as the master user. */
async function rotateApp(password: string) {
  const master = await server.connect(current('master').username, current('master').password);
  try {
    const from = current('app').username;
    const to = from === APP ? CLONE : APP;
    await master.query('CREATE USER IF NOT EXISTS ?@\'%\' IDENTIFIED BY ?', [to, password]);
    const [grants] = await master.query({ sql: 'SHOW GRANTS FOR ?@\'%\'', values: [from], rowsAsArray: true });
    for (const [grant] of grants as string[][]) {
      await master.query(`${withoutPassword(grant).split(' TO ')[0]} TO ?@'%'`, [to]);
    }
    await master.query('SET PASSWORD FOR ?@\'%\' = PASSWORD(?)', [to, password]);
  } finally {
    await master.end();
  }
  setApp(current('app').username === APP ? CLONE : APP, password);
}

/** The single-user rotation of the master secret. */
async function rotateMaster(password: string) {
  await admin.query('SET PASSWORD FOR ?@\'%\' = PASSWORD(?)', [MASTER, password]);
  setMaster(password);
}

/** The secrets as they were when the backup was taken. */
function secretsOfBackupTime() {
  setMaster('Master-pass-1');
  setApp(APP, 'App-pass-1');
}

describe('after a restore, the provisioning brings the app user in line with the rotated secrets', () => {
  let snapshot: string;

  beforeAll(async () => {
    // The deployment: RDS creates the master user, the provisioning the schema and the app user.
    await admin.query(`CREATE USER ${quoteString(MASTER)}@'%' IDENTIFIED BY 'Master-pass-1'`);
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO ${quoteString(MASTER)}@'%' WITH GRANT OPTION`);
    secretsOfBackupTime();
    await handler({ RequestType: 'Create', ResourceProperties: properties('database-1') });
    const app = await server.connect(APP, 'App-pass-1');
    await app.query('CREATE TABLE dashboard.reports (id INT PRIMARY KEY, title VARCHAR(40))');
    await app.query("INSERT INTO dashboard.reports VALUES (1, 'made by the old version')");
    await app.end();

    // The pre-upgrade backup.
    snapshot = backUp();
    expect(snapshot).toContain(`CREATE USER \`${APP}\`@\`%\` IDENTIFIED BY PASSWORD`);
    expect(snapshot).toContain("'made by the old version'");

    // The new version migrates the schema and writes data that the way back gives up.
    const migrated = await server.connect(APP, 'App-pass-1');
    await migrated.query('ALTER TABLE dashboard.reports ADD COLUMN owner VARCHAR(40)');
    await migrated.query("INSERT INTO dashboard.reports VALUES (2, 'made by the new version', 'x')");
    await migrated.end();
  });

  test.each([
    // One app rotation since the backup: the secret names the clone, which the backup never had.
    ['one app rotation and a master rotation', 1],
    // Two: the secret names the first user again, with a password the backup never had.
    ['two app rotations and a master rotation', 2],
  ])('%s since the backup', async (_, appRotations) => {
    restore(snapshot);
    secretsOfBackupTime();
    // Replay the time between the backup and now: rotations on the live database.
    for (let n = 1; n <= appRotations; n++) {
      await rotateApp(`App-rotated-${appRotations}-${n}`);
    }
    await rotateMaster(`Master-rotated-${appRotations}`);
    const rotatedApp = current('app');
    expect(await canLogIn(rotatedApp)).toBe(true);

    // The way back: the database returns to the snapshot, users and passwords of that time included.
    restore(snapshot);
    expect(await canLogIn(rotatedApp)).toBe(false);
    expect(await canLogIn(current('master'))).toBe(false);
    // CloudFormation sets MasterUserPassword, read from the master secret, on the restored instance.
    await admin.query('SET PASSWORD FOR ?@\'%\' = PASSWORD(?)', [MASTER, current('master').password]);
    expect(await canLogIn(current('master'))).toBe(true);

    // The restored instance has a new identifier: CloudFormation updates the user resource.
    const result = await handler({ RequestType: 'Update', PhysicalResourceId: 'dashboard-user:dashboard', ResourceProperties: properties(`database-restored-${appRotations}`) });
    expect(result.Data?.Username).toBe(rotatedApp.username);
    expect(result.Data?.Changes).toBeGreaterThan(0);

    // Both secrets work again, and the app sees the data of the backup, not what came after.
    expect(await canLogIn(current('master'))).toBe(true);
    const app = await server.connect(rotatedApp.username, rotatedApp.password);
    try {
      const [rows] = await app.query({ sql: 'SELECT * FROM dashboard.reports ORDER BY id', rowsAsArray: true });
      expect(rows).toEqual([[1, 'made by the old version']]);
      await app.query("INSERT INTO dashboard.reports VALUES (3, 'after the way back')");
    } finally {
      await app.end();
    }
    expect(await grantsOf(rotatedApp.username)).toEqual(expectedGrants('dashboard', rotatedApp.username).sort());
  });
});
