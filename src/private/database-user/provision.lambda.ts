// Creates the dashboard's schema and its database user, with exactly the privileges it needs, from
// the master and app secrets. Called by aws-cdk-lib's custom resource provider framework, which
// answers CloudFormation. Idempotent: a rerun changes only what differs from the secrets.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as mysql from 'mysql2/promise';
import {
  account, alternateUser, APP_PRIVILEGES, checkSchemaName, checkUsername, createSchemaStatement, expectedGrants,
  quoteIdentifier, withoutPassword,
} from './sql';

/** Where and as whom to log in. */
export interface DatabaseLogin {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

export interface ProvisionOptions {
  /** The master (admin) login. */
  readonly master: DatabaseLogin;
  /** The app user's name and password. */
  readonly username: string;
  readonly password: string;
  /** The dashboard's schema. */
  readonly schema: string;
  /** TLS options of the master connection (mysql2 `ssl`); none for a loopback test server. */
  readonly ssl?: string | mysql.SslOptions;
}

/** What a run changed; empty when everything was already right. */
export interface ProvisionResult {
  readonly changes: string[];
}

/**
 * Brings the schema, the app user, its password and its grants in line with `options`, and the
 * grants (not the password) of the other user of the alternating rotation when it exists.
 */
export async function provisionAppUser(options: ProvisionOptions): Promise<ProvisionResult> {
  const username = checkUsername(options.username, 'the app secret\'s username');
  const schema = checkSchemaName(options.schema, 'SchemaName');
  if (typeof options.password !== 'string' || options.password === '') {
    throw new Error('the app secret has no password');
  }
  const { host, port } = options.master;
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({
      host,
      port,
      user: options.master.username,
      password: options.master.password,
      ssl: options.ssl,
      connectTimeout: 20_000,
      multipleStatements: false,
    });
  } catch (e) {
    throw new Error(`cannot log in to MariaDB at ${host}:${port} as the master user ${JSON.stringify(options.master.username)}`
      + ` (nothing was changed): ${(e as Error).message}`);
  }

  const changes: string[] = [];
  try {
    const rows = async (sql: string, values: unknown[] = []) => (await connection.query({ sql, values, rowsAsArray: true }))[0] as unknown[][];

    if ((await rows('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [schema])).length === 0) {
      await connection.query(createSchemaStatement(schema));
      changes.push(`created schema ${schema}`);
    }

    const user = account(username);
    if ((await rows("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [username])).length === 0) {
      await connection.query(`CREATE USER ${user} IDENTIFIED BY ?`, [options.password]);
      changes.push(`created user ${username}`);
    } else {
      const [[same]] = await rows("SELECT authentication_string = PASSWORD(?) FROM mysql.user WHERE User = ? AND Host = '%'", [options.password, username]);
      if (Number(same) !== 1) {
        await connection.query(`ALTER USER ${user} IDENTIFIED BY ?`, [options.password]);
        changes.push(`changed the password of ${username}`);
      }
    }

    /** Gives `name` exactly the app's privileges on the schema, starting from nothing when they differ. */
    const normaliseGrants = async (name: string) => {
      const who = account(name);
      const grants = (await rows(`SHOW GRANTS FOR ${who}`)).map((row) => withoutPassword(String(row[0]))).sort();
      if (JSON.stringify(grants) !== JSON.stringify(expectedGrants(schema, name).sort())) {
        // Start from nothing, so a privilege granted by hand elsewhere does not survive.
        await connection.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${who}`);
        await connection.query(`GRANT ${APP_PRIVILEGES.join(', ')} ON ${quoteIdentifier(schema)}.* TO ${who}`);
        changes.push(`set the privileges of ${name} to ${schema}.* only`);
      }
    };
    await normaliseGrants(username);
    // The other user of the alternating rotation, once the rotation has made it: the next rotation
    // copies the current user's grants to it but takes none away, so it is brought in line too.
    // Its password is the rotation's, and is left alone.
    const alternate = alternateUser(username);
    if ((await rows("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [alternate])).length > 0) {
      await normaliseGrants(alternate);
    }
  } finally {
    await connection.end();
  }
  return { changes };
}

interface SecretFields {
  readonly host?: string;
  readonly port?: number | string;
  readonly username?: string;
  readonly password?: string;
}

async function readSecret(client: SecretsManagerClient, arn: string, what: string): Promise<SecretFields> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  try {
    const value = JSON.parse(SecretString ?? '');
    if (value && typeof value === 'object') {
      return value;
    }
  } catch {
    // The message below says what is wrong without echoing the secret.
  }
  throw new Error(`the ${what} ${arn} is not a JSON object`);
}

/** The custom resource request, as the provider framework passes it. */
export interface ProvisionEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: {
    readonly MasterSecretArn: string;
    readonly AppSecretArn: string;
    readonly SchemaName: string;
    /** Not read (the handler grants its own list): it changes with the list, so CloudFormation calls again. */
    readonly Privileges?: string[];
  };
}

/**
 * Delete leaves the user and the data alone: the schema outlives the stack when the database is
 * kept, and a deleted database takes them with it.
 */
export async function handler(event: ProvisionEvent) {
  const physicalResourceId = `dashboard-user:${event.ResourceProperties.SchemaName}`;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? physicalResourceId };
  }
  const props = event.ResourceProperties;
  const client = new SecretsManagerClient({});
  const master = await readSecret(client, props.MasterSecretArn, 'master secret');
  const app = await readSecret(client, props.AppSecretArn, 'app secret');
  if (!master.host || !master.username || !master.password) {
    throw new Error(`the master secret ${props.MasterSecretArn} needs host, username and password`);
  }
  // RDS presents a certificate of its own CA, which mysql2 knows as the 'Amazon RDS' profile.
  const ssl = process.env.DATABASE_TLS === 'off' ? undefined : 'Amazon RDS';
  const result = await provisionAppUser({
    master: { host: master.host, port: Number(master.port ?? 3306), username: master.username, password: master.password },
    username: app.username!,
    password: app.password!,
    schema: props.SchemaName,
    ssl,
  });
  console.log(JSON.stringify({ changes: result.changes }));
  return { PhysicalResourceId: physicalResourceId, Data: { Username: app.username, Changes: result.changes.length } };
}
