/**
 * The Lambda handlers, one room (folder) each: `<room>/<entry>` is the handler, the modules beside
 * it are what it runs, and `<room>/<room name>.ts` is the construct side that deploys it. The
 * bundles are built from this list, and the lint rules keep the handler side free of aws-cdk-lib.
 */
export interface HandlerRoom {
  /** The room's folder. */
  readonly dir: string;
  /** The handler's file in the room, `<name>.lambda.ts`. */
  readonly entry: string;
}

export const HANDLER_ROOMS: ReadonlyArray<HandlerRoom> = [
  // Copies uploads from S3 to the file system.
  { dir: 'src/file-sync', entry: 'sync.lambda.ts' },
  // Provisions the dashboard's database user from the master secret (with mysql2).
  { dir: 'src/private/database-user', entry: 'provision.lambda.ts' },
  // The rotation refresh's maintenance-window plan and fleet check (with the EC2 client).
  { dir: 'src/private/maintenance', entry: 'fleet-check.lambda.ts' },
  // Empties the file system's backup vault when the stack is deleted with RemovalPolicy.DESTROY.
  { dir: 'src/private/backup-vault-cleanup', entry: 'cleanup.lambda.ts' },
  // Backs up the database and the file system before a new machine image replaces the instances.
  { dir: 'src/private/pre-upgrade-backup', entry: 'pre-upgrade-backup.lambda.ts' },
];

/** The construct-side module of a room: named after its folder. */
export function constructModuleOf(room: HandlerRoom): string {
  return `${room.dir}/${room.dir.split('/').pop()}.ts`;
}

/** Modules that handlers and the construct side share (plain values, no imports), as globs. */
export const SHARED_WITH_HANDLERS: readonly string[] = ['src/private/shared/**/*.ts'];
