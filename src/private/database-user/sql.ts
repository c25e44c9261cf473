// Pure helpers of the database user provisioning: names, quoting and the statements to run.
// No database client here, so the construct can validate names at synth time with the same rules.

/**
 * What the dashboard may do on its own schema. It manages that schema itself: its upgrades create
 * and alter tables, indexes, views, stored routines and triggers (hence
 * `log_bin_trust_function_creators=1` in the parameter group). Left out on purpose: GRANT OPTION,
 * EVENT, DELETE HISTORY, and everything on other schemas or global (FILE, PROCESS, SUPER, ...).
 * Written in the order and spelling `SHOW GRANTS` uses, so a grant can be compared as text.
 */
export const APP_PRIVILEGES: readonly string[] = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'REFERENCES', 'INDEX', 'ALTER',
  'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'CREATE VIEW', 'SHOW VIEW',
  'CREATE ROUTINE', 'ALTER ROUTINE', 'TRIGGER',
];

/**
 * User names and schema names are letters, digits and underscores: that fits env files, JDBC URLs
 * and SQL without escaping, and leaves room for the `_clone` suffix of the alternating-users
 * rotation within MariaDB's 80-character user names.
 */
const NAME = /^[A-Za-z0-9_]+$/;
export const MAX_USERNAME_LENGTH = 80 - '_clone'.length;
export const MAX_SCHEMA_LENGTH = 64;

/** Throws unless `name` is a safe user name; `what` names it in the message. */
export function checkUsername(name: unknown, what = 'username'): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > MAX_USERNAME_LENGTH) {
    throw new Error(`${what} must be 1 to ${MAX_USERNAME_LENGTH} letters, digits or underscores, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** Throws unless `name` is a safe schema name; `what` names it in the message. */
export function checkSchemaName(name: unknown, what = 'schema'): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > MAX_SCHEMA_LENGTH) {
    throw new Error(`${what} must be 1 to ${MAX_SCHEMA_LENGTH} letters, digits or underscores, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The suffix AWS's alternating-users rotation adds to (and takes from) the user name. */
export const CLONE_SUFFIX = '_clone';

/**
 * The other user of the alternating-users rotation: `<name>_clone` for `<name>`, and back. The
 * rotation switches the app secret between the two, copying the current user's grants each time.
 */
export function alternateUser(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : `${username}${CLONE_SUFFIX}`;
}

/** A quoted identifier: backticks, with any backtick inside doubled (a second line of defence). */
export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) {
    throw new Error('an identifier cannot contain NUL');
  }
  return '`' + name.replace(/`/g, '``') + '`';
}

/** A quoted string literal for statements that take no placeholders. */
export function quoteString(value: string): string {
  if (value.includes('\0')) {
    throw new Error('a string literal cannot contain NUL');
  }
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
}

/** The account of the app user: any host, as the multi-user rotation creates its clone that way. */
export function account(username: string): string {
  return `${quoteString(username)}@'%'`;
}

/** `CREATE DATABASE` for the schema, with the repository's character set. */
export function createSchemaStatement(schema: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(schema)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
}

/** The `GRANT` of the app's privileges on its schema, as `SHOW GRANTS` prints it. */
export function schemaGrant(schema: string, username: string): string {
  return `GRANT ${APP_PRIVILEGES.join(', ')} ON ${quoteIdentifier(schema)}.* TO ${quoteIdentifier(username)}@\`%\``;
}

/** Every grant the app user must have, and nothing more, as `SHOW GRANTS` prints them. */
export function expectedGrants(schema: string, username: string): string[] {
  return [
    `GRANT USAGE ON *.* TO ${quoteIdentifier(username)}@\`%\``,
    schemaGrant(schema, username),
  ];
}

/**
 * A `SHOW GRANTS` line without its `IDENTIFIED BY PASSWORD '...'` part, which carries the
 * password hash and changes with every password change.
 */
export function withoutPassword(grant: string): string {
  return grant.replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '');
}
