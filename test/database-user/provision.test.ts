import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import * as mysql from 'mysql2/promise';
import { startMariaDb, TestServer } from './mariadb';
import { handler, provisionAppUser, ProvisionOptions } from '../../src/private/database-user/provision.lambda';
import { expectedGrants, quoteIdentifier, quoteString, schemaGrant, withoutPassword } from '../../src/private/database-user/sql';

let server: TestServer;
let admin: mysql.Connection;

beforeAll(async () => {
  server = await startMariaDb();
  admin = await server.connect(server.admin.username, server.admin.password);
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

function options(overrides: Partial<ProvisionOptions> = {}): ProvisionOptions {
  return {
    master: { host: server.host, port: server.port, username: server.admin.username, password: server.admin.password },
    username: 'pidashboard',
    password: 'First-password-1',
    schema: 'dashboard',
    ...overrides,
  };
}

async function grantsOf(username: string): Promise<string[]> {
  const [rows] = await admin.query({ sql: `SHOW GRANTS FOR ${quoteString(username)}@'%'`, rowsAsArray: true });
  return (rows as string[][]).map((row) => withoutPassword(row[0])).sort();
}

async function users(): Promise<string[]> {
  const [rows] = await admin.query({ sql: 'SELECT User FROM mysql.user ORDER BY User', rowsAsArray: true });
  return (rows as string[][]).map((row) => row[0]);
}

async function schemas(): Promise<string[]> {
  const [rows] = await admin.query({ sql: 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1', rowsAsArray: true });
  return (rows as string[][]).map((row) => row[0]);
}

async function canLogIn(username: string, password: string): Promise<boolean> {
  try {
    const c = await server.connect(username, password);
    await c.end();
    return true;
  } catch {
    return false;
  }
}

describe('provisioning the app user against a real MariaDB', () => {
  test('creates the schema and the user with exactly the dashboard privileges on that schema', async () => {
    expect(await schemas()).not.toContain('dashboard');
    const result = await provisionAppUser(options());
    expect(result.changes).toEqual(['created schema dashboard', 'created user pidashboard', 'set the privileges of pidashboard to dashboard.* only']);
    expect(await schemas()).toContain('dashboard');
    expect(await grantsOf('pidashboard')).toEqual([
      'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, '
        + 'EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER ON `dashboard`.* TO `pidashboard`@`%`',
      'GRANT USAGE ON *.* TO `pidashboard`@`%`',
    ]);

    // What the dashboard does with it: manage its own tables and routines, and nothing else.
    const app = await server.connect('pidashboard', 'First-password-1');
    try {
      await app.query('CREATE TABLE dashboard.t (id INT PRIMARY KEY, v VARCHAR(10))');
      await app.query("INSERT INTO dashboard.t VALUES (1, 'a')");
      await app.query('CREATE FUNCTION dashboard.one() RETURNS INT DETERMINISTIC RETURN 1');
      await app.query('CREATE VIEW dashboard.v AS SELECT id FROM dashboard.t');
      await expect(app.query('CREATE DATABASE other')).rejects.toThrow(/denied/);
      await expect(app.query('SELECT * FROM mysql.user')).rejects.toThrow(/denied/);
      await expect(app.query("CREATE USER 'x'@'%'")).rejects.toThrow(/denied/);
      await expect(app.query("GRANT SELECT ON dashboard.* TO 'pidashboard'@'%'")).rejects.toThrow(/denied/);
    } finally {
      await app.end();
    }
  });

  test('a second run changes nothing', async () => {
    const [[before]] = await admin.query({ sql: "SELECT authentication_string FROM mysql.user WHERE User = 'pidashboard'", rowsAsArray: true }) as any;
    const grants = await grantsOf('pidashboard');
    expect((await provisionAppUser(options())).changes).toEqual([]);
    const [[after]] = await admin.query({ sql: "SELECT authentication_string FROM mysql.user WHERE User = 'pidashboard'", rowsAsArray: true }) as any;
    expect(after).toEqual(before);
    expect(await grantsOf('pidashboard')).toEqual(grants);
    // The dashboard's data is still there.
    const [rows] = await admin.query({ sql: 'SELECT v FROM dashboard.t', rowsAsArray: true });
    expect(rows).toEqual([['a']]);
  });

  test('a changed password in the secret is applied', async () => {
    const result = await provisionAppUser(options({ password: 'Second-password-2' }));
    expect(result.changes).toEqual(['changed the password of pidashboard']);
    expect(await canLogIn('pidashboard', 'Second-password-2')).toBe(true);
    expect(await canLogIn('pidashboard', 'First-password-1')).toBe(false);
  });

  test('privileges granted by hand beyond the schema are taken away', async () => {
    await admin.query("GRANT SELECT ON mysql.* TO 'pidashboard'@'%'");
    await admin.query("GRANT PROCESS ON *.* TO 'pidashboard'@'%'");
    const result = await provisionAppUser(options({ password: 'Second-password-2' }));
    expect(result.changes).toEqual(['set the privileges of pidashboard to dashboard.* only']);
    expect(await grantsOf('pidashboard')).toEqual(expectedGrants('dashboard', 'pidashboard').sort());
  });

  test('a wrong master password gives a clear error and changes nothing', async () => {
    const before = { users: await users(), schemas: await schemas() };
    await expect(provisionAppUser(options({
      master: { ...options().master, password: 'wrong' },
      username: 'another_user',
      schema: 'another_schema',
    }))).rejects.toThrow(/cannot log in to MariaDB at 127\.0\.0\.1:\d+ as the master user "admin" \(nothing was changed\): Access denied/);
    expect({ users: await users(), schemas: await schemas() }).toEqual(before);
  });

  test.each([
    ["pi'; DROP USER 'admin'@'%'; --", 'dashboard', /username must be 1 to 74 letters, digits or underscores/],
    ['pi`user', 'dashboard', /username/],
    ['pi;user', 'dashboard', /username/],
    ['pi user', 'dashboard', /username/],
    ['', 'dashboard', /username/],
    ['a'.repeat(75), 'dashboard', /username/],
    ['pidashboard', 'dash`board', /SchemaName must be 1 to 64 letters, digits or underscores/],
    ['pidashboard', "dashboard'; DROP DATABASE mysql; --", /SchemaName/],
    ['pidashboard', 'dash;board', /SchemaName/],
  ])('a hostile name is refused before anything runs: user %j, schema %j', async (username, schema, message) => {
    const before = { users: await users(), schemas: await schemas() };
    await expect(provisionAppUser(options({ username, schema }))).rejects.toThrow(message);
    expect({ users: await users(), schemas: await schemas() }).toEqual(before);
  });

  test('quoting keeps hostile text a single identifier or string', async () => {
    const hostile = "x`; DROP DATABASE dashboard; -- '\"\\";
    const [rows] = await admin.query({ sql: `SELECT ${quoteString(hostile)}`, rowsAsArray: true });
    expect(rows).toEqual([[hostile]]);
    const name = 'we`ird;name';
    await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    expect(await schemas()).toContain(name);
    expect(await schemas()).toContain('dashboard');
    await admin.query(`DROP DATABASE ${quoteIdentifier(name)}`);
  });
});

/**
 * The steps of Secrets Manager's MariaDB alternating-users rotation function, at the SQL level:
 * createSecret picks the other user (`<name>_clone` or back) with a new password; setSecret, as
 * the master user, creates that user when missing, copies the current user's grants to it and
 * sets its password; testSecret logs in with it; finishSecret makes it current.
 */
async function rotate(current: { username: string; password: string }, password: string) {
  const pending = {
    username: current.username.endsWith('_clone') ? current.username.slice(0, -'_clone'.length) : `${current.username}_clone`,
    password,
  };
  const [existing] = await admin.query('SELECT User FROM mysql.user WHERE User = ?', [pending.username]);
  if ((existing as unknown[]).length === 0) {
    await admin.query('CREATE USER ? IDENTIFIED BY ?', [pending.username, pending.password]);
  }
  const [grants] = await admin.query({ sql: 'SHOW GRANTS FOR ?', values: [current.username], rowsAsArray: true });
  for (const [grant] of grants as string[][]) {
    await admin.query(`${grant.split(' TO ')[0]} TO ?`, [pending.username]);
  }
  await admin.query('SET PASSWORD FOR ? = PASSWORD(?)', [pending.username, pending.password]);
  const test = await server.connect(pending.username, pending.password);
  await test.query('SELECT NOW()');
  await test.end();
  return pending;
}

describe('alternating-users rotation of the app secret', () => {
  test('each rotation switches users; the credentials instances hold keep working until the rotation after next', async () => {
    // The provisioned user is the first AWSCURRENT.
    const first = { username: 'pidashboard', password: 'Second-password-2' };
    expect(await canLogIn(first.username, first.password)).toBe(true);
    // A running instance: an open connection and the credentials in its env file.
    const running = await server.connect(first.username, first.password);

    const second = await rotate(first, 'Rotated-password-3');
    expect(second.username).toBe('pidashboard_clone');
    // The clone has the same grants, on the same schema and nothing more.
    expect(await grantsOf('pidashboard_clone')).toEqual(expectedGrants('dashboard', 'pidashboard_clone').sort());
    expect((await grantsOf('pidashboard_clone')).map((g) => g.replace(/pidashboard_clone/g, 'pidashboard'))).toEqual(await grantsOf('pidashboard'));

    // Between the rotation and the end of the instance refresh: old and new credentials both work.
    await running.query('SELECT COUNT(*) FROM dashboard.t');
    expect(await canLogIn(first.username, first.password)).toBe(true);
    const refreshed = await server.connect(second.username, second.password);
    await refreshed.query("INSERT INTO dashboard.t VALUES (2, 'b')");
    // What one user created, the other can use: both work on the same tables.
    await running.query('UPDATE dashboard.t SET v = \'c\' WHERE id = 2');
    await running.end();

    // The next rotation goes back to the first user with a new password: the instances started
    // after the last refresh (the clone's credentials) keep working, only the credentials from
    // two rotations ago stop.
    const third = await rotate(second, 'Rotated-password-4');
    expect(third.username).toBe('pidashboard');
    await refreshed.query('SELECT COUNT(*) FROM dashboard.t');
    expect(await canLogIn(second.username, second.password)).toBe(true);
    expect(await canLogIn(third.username, third.password)).toBe(true);
    expect(await canLogIn(first.username, first.password)).toBe(false);
    await refreshed.end();
    expect(await grantsOf('pidashboard')).toEqual(expectedGrants('dashboard', 'pidashboard').sort());
  });

  test('provisioning again after rotations leaves the secret\'s current user as it is', async () => {
    // The app secret now names the clone (after an odd number of rotations) or the first user.
    expect((await provisionAppUser(options({ username: 'pidashboard', password: 'Rotated-password-4' }))).changes).toEqual([]);
    expect((await provisionAppUser(options({ username: 'pidashboard_clone', password: 'Rotated-password-3' }))).changes).toEqual([]);
  });

  test.each([
    // [the user the app secret names, its password, the other user]
    ['pidashboard', 'Rotated-password-4', 'pidashboard_clone', 'Rotated-password-3'],
    ['pidashboard_clone', 'Rotated-password-3', 'pidashboard', 'Rotated-password-4'],
  ])('provisioning as %s also takes a hand-made grant from the other user, and leaves its password alone', async (current, password, other, otherPassword) => {
    await admin.query(`GRANT SELECT ON mysql.* TO ${quoteString(other)}@'%'`);
    await admin.query(`GRANT PROCESS ON *.* TO ${quoteString(other)}@'%'`);
    expect(await grantsOf(other)).not.toEqual(expectedGrants('dashboard', other).sort());
    const [[hashBefore]] = await admin.query({ sql: 'SELECT authentication_string FROM mysql.user WHERE User = ?', values: [other], rowsAsArray: true }) as any;

    const result = await provisionAppUser(options({ username: current, password }));
    expect(result.changes).toEqual([`set the privileges of ${other} to dashboard.* only`]);
    expect(await grantsOf(other)).toEqual(expectedGrants('dashboard', other).sort());
    expect(await grantsOf(current)).toEqual(expectedGrants('dashboard', current).sort());
    const [[hashAfter]] = await admin.query({ sql: 'SELECT authentication_string FROM mysql.user WHERE User = ?', values: [other], rowsAsArray: true }) as any;
    expect(hashAfter).toEqual(hashBefore);
    expect(await canLogIn(other, otherPassword)).toBe(true);
    expect(await canLogIn(current, password)).toBe(true);
  });

  test('the next rotation therefore carries no stray privilege back into use', async () => {
    // A privilege granted by hand to the user that is not current, then a stack update's provisioning.
    await admin.query("GRANT SELECT ON mysql.* TO 'pidashboard_clone'@'%'");
    await provisionAppUser(options({ username: 'pidashboard', password: 'Rotated-password-4' }));
    // The rotation copies the current user's grants to the other one and makes it current.
    const next = await rotate({ username: 'pidashboard', password: 'Rotated-password-4' }, 'Rotated-password-5');
    expect(next.username).toBe('pidashboard_clone');
    expect(await grantsOf('pidashboard_clone')).toEqual(expectedGrants('dashboard', 'pidashboard_clone').sort());
    const app = await server.connect(next.username, next.password);
    try {
      await expect(app.query('SELECT User FROM mysql.user')).rejects.toThrow(/denied/);
      await app.query('SELECT COUNT(*) FROM dashboard.t');
    } finally {
      await app.end();
    }
  });

  test('before the first rotation there is no other user, and nothing is made for it', async () => {
    const result = await provisionAppUser(options({ username: 'fresh_app', password: 'Fresh-password-1' }));
    expect(result.changes).toEqual(['created user fresh_app', 'set the privileges of fresh_app to dashboard.* only']);
    expect(await users()).not.toContain('fresh_app_clone');
  });
});

describe('the custom resource handler', () => {
  // A Secrets Manager endpoint on loopback that answers GetSecretValue from a map.
  const secrets = new Map<string, string>();
  let api: Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    api = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        const id = JSON.parse(body).SecretId;
        const value = secrets.get(id);
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || value === undefined) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `no secret ${id}` }));
          return;
        }
        res.end(JSON.stringify({ ARN: id, Name: id, SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'] }));
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
  });

  const properties = { MasterSecretArn: 'master', AppSecretArn: 'app', SchemaName: 'reports' };

  test('Create reads both secrets and provisions the user; Delete leaves it alone', async () => {
    secrets.set('master', JSON.stringify({ engine: 'mariadb', host: server.host, port: server.port, username: server.admin.username, password: server.admin.password }));
    secrets.set('app', JSON.stringify({ engine: 'mariadb', host: server.host, port: server.port, username: 'reporter', password: 'Reporter-pass-1', masterarn: 'master' }));
    const created = await handler({ RequestType: 'Create', ResourceProperties: properties });
    expect(created).toEqual({ PhysicalResourceId: 'dashboard-user:reports', Data: { Username: 'reporter', Changes: 3 } });
    expect(await grantsOf('reporter')).toEqual([schemaGrant('reports', 'reporter'), 'GRANT USAGE ON *.* TO `reporter`@`%`']);

    const updated = await handler({ RequestType: 'Update', PhysicalResourceId: 'dashboard-user:reports', ResourceProperties: properties });
    expect(updated.Data).toEqual({ Username: 'reporter', Changes: 0 });

    const deleted = await handler({ RequestType: 'Delete', PhysicalResourceId: 'dashboard-user:reports', ResourceProperties: properties });
    expect(deleted).toEqual({ PhysicalResourceId: 'dashboard-user:reports' });
    expect(await users()).toContain('reporter');
    expect(await schemas()).toContain('reports');
  });

  test('a secret that is not JSON is reported without its value', async () => {
    secrets.set('app', 'not-json-Reporter-pass-1');
    const error = await handler({ RequestType: 'Update', ResourceProperties: properties }).catch((e: Error) => e);
    expect(String(error)).toMatch(/the app secret app is not a JSON object/);
    expect(String(error)).not.toContain('Reporter-pass-1');
  });
});
