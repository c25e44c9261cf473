import * as fs from 'fs';
import * as path from 'path';
import { Aws, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { PACKED_HELPER_ASSET } from './helper-pack';
import { DATA_OWNER } from '../../file-sync/keys';
import { InternalError, ValidationError } from '../validation';

/** Where the user data installs the boot helper on the instance. */
export const BOOT_HELPER_PATH = '/usr/local/sbin/panintelligence-boot';
/** Where the user data writes the deployment's values (root only, no secret values). */
export const BOOT_CONFIG_PATH = '/etc/panintelligence/cdk.env';

/** EC2 refuses user data larger than this (before base64). */
export const USER_DATA_MAX_BYTES = 16 * 1024;

const RENDERED_FILES_MARKER = '# @@RENDERED_FILES@@';
const CONFIG_DELIMITER = 'PI_CDK_ENV';
const HELPER_DELIMITER = 'PI_BOOT_HELPER';

/**
 * Part of the boot budget the boot script keeps for itself after giving up: time between the
 * instance's launch and its kernel's start (the script measures from the latter), plus the
 * retries of the signal. The script gives up this long before the group would.
 */
export const BOOT_SIGNAL_RESERVE = Duration.seconds(90);

/** Where a new instance reports whether the dashboard came up (CloudFormation resource signal). */
export interface BootSignal {
  /** Stack (its id, or name) that holds the Auto Scaling group. */
  readonly stackId: string;
  /** Logical id of the Auto Scaling group in that stack. */
  readonly logicalId: string;
  /**
   * How long the instance has from its launch until the group stops waiting for it. The script
   * gives up and signals failure `BOOT_SIGNAL_RESERVE` before that.
   */
  readonly budget: Duration;
}

/** Values the instance boot needs; each may be a token. */
export interface DashboardBootOptions {
  /** The EFS file system holding the shared data directories. */
  readonly fileSystemId: string;
  /** ARN of the RDS-generated JSON secret (username, password, host, port, ...). */
  readonly databaseSecretArn: string;
  /**
   * ARN of the secret holding the licence: a one-line licence XML or an Automated Licence
   * Manager id, as a plain string (or JSON with a `licence` key).
   * @default - no PI_LICENCE is written
   */
  readonly licenceSecretArn?: string;
  /** Host name users reach the dashboard at (domain name or load balancer DNS name). */
  readonly publicHost: string;
  /**
   * Region of the secrets and the file system.
   * @default Aws.REGION
   */
  readonly region?: string;
  /**
   * Schema of the repository database.
   * @default 'dashboard'
   */
  readonly schemaName?: string;
  /**
   * Whether a new instance waits, before starting the dashboard, until no instance of another
   * launch template version is left in its Auto Scaling group (the exclusive upgrade mode). The
   * instance role must then be allowed to describe Auto Scaling instances and groups.
   * @default false
   */
  readonly waitForOldVersion?: boolean;
  /**
   * Identifier of the database instance. The boot reads the endpoint from the database secret;
   * the identifier is written only so that the user data, and with it the launch template, changes
   * when the database is replaced (a restore from a snapshot), which replaces the instances too.
   * @default - none written
   */
  readonly databaseInstanceId?: string;
  /**
   * Numeric ids of the user and group that own the data on the file system (the sync function
   * writes as them); the image's `pi-user` and `pi-group` are given them at first boot.
   * @default DATA_OWNER (8224:8224)
   */
  readonly dataOwner?: { readonly uid: number; readonly gid: number };
  /**
   * Where to report the outcome of the first boot, and the boot budget.
   * @default - no signal is sent; the boot steps keep their retry counts without a deadline
   */
  readonly signal?: BootSignal;
}

/**
 * Renders the instance's user data: the first-boot script (user-data.sh) with the deployment's
 * config file and the boot helper (panintelligence-boot.sh) written at its marker.
 */
export function renderDashboardUserData(options: DashboardBootOptions): ec2.UserData {
  // [line in the config file, value, option it comes from, required]
  const config: Array<[string, string, string, boolean]> = [
    ['PI_CDK_REGION', options.region ?? Aws.REGION, 'region', true],
    ['PI_CDK_URL_SUFFIX', Aws.URL_SUFFIX, 'Aws.URL_SUFFIX', true],
    ['PI_CDK_FILE_SYSTEM_ID', options.fileSystemId, 'fileSystemId', true],
    ['PI_CDK_DATABASE_SECRET_ARN', options.databaseSecretArn, 'databaseSecretArn', true],
    ['PI_CDK_LICENCE_SECRET_ARN', options.licenceSecretArn ?? '', 'licenceSecretArn', false],
    ['PI_CDK_PUBLIC_HOST', options.publicHost, 'publicHost', true],
    ['PI_CDK_SCHEMA_NAME', options.schemaName ?? 'dashboard', 'schemaName', true],
    ['PI_CDK_STACK_ID', options.signal?.stackId ?? '', 'signal.stackId', options.signal !== undefined],
    ['PI_CDK_SIGNAL_RESOURCE', options.signal?.logicalId ?? '', 'signal.logicalId', options.signal !== undefined],
    ['PI_CDK_BOOT_BUDGET', options.signal ? `${bootBudgetSeconds(options.signal.budget)}` : '', 'signal.budget', false],
    ['PI_CDK_BOOT_RESERVE', options.signal ? `${BOOT_SIGNAL_RESERVE.toSeconds()}` : '', 'BOOT_SIGNAL_RESERVE', false],
    ['PI_CDK_DATA_UID', `${(options.dataOwner ?? DATA_OWNER).uid}`, 'dataOwner.uid', true],
    ['PI_CDK_DATA_GID', `${(options.dataOwner ?? DATA_OWNER).gid}`, 'dataOwner.gid', true],
    ['PI_CDK_EXCLUSIVE_UPGRADE', options.waitForOldVersion ? 'true' : '', 'waitForOldVersion', false],
    ['PI_CDK_DATABASE_INSTANCE', options.databaseInstanceId ?? '', 'databaseInstanceId', false],
  ];
  for (const [, value, option, required] of config) {
    checkOption(option, value, required);
  }
  for (const [name, id] of Object.entries(options.dataOwner ?? DATA_OWNER)) {
    if (!Number.isInteger(id) || id < 1000 || id > 59999) {
      throw new InternalError(`dataOwner.${name} must be a whole number from 1000 to 59999, got ${id}`);
    }
  }
  const schemaName = options.schemaName;
  if (schemaName !== undefined && !Token.isUnresolved(schemaName) && !/^[A-Za-z0-9_]+$/.test(schemaName)) {
    throw new ValidationError('renderDashboardUserData', [`schemaName must be letters, digits and underscores; got ${JSON.stringify(schemaName)}`]);
  }

  const helper = packedHelperLines();

  const firstBoot = readBootFile('user-data.sh').split('\n');
  const marker = firstBoot.indexOf(RENDERED_FILES_MARKER);
  if (!firstBoot[0].startsWith('#!') || marker < 0 || firstBoot.lastIndexOf(RENDERED_FILES_MARKER) !== marker) {
    throw new InternalError(`user-data.sh must start with a shebang and contain the line '${RENDERED_FILES_MARKER}' once`);
  }

  const configDir = path.posix.dirname(BOOT_CONFIG_PATH);
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    // UserData.forLinux() supplies the shebang.
    ...firstBoot.slice(1, marker),
    '# ---- Rendered by @panintelligence/cdk-dashboard for this deployment ----',
    '# Where to read the secrets from: ARNs only, the values are read at every boot.',
    `mkdir -p ${configDir}`,
    `(umask 077 && cat >${BOOT_CONFIG_PATH}) <<'${CONFIG_DELIMITER}'`,
    ...config.map(([key, value]) => `${key}=${value}`),
    CONFIG_DELIMITER,
    `chmod 0600 ${BOOT_CONFIG_PATH}`,
    '# The boot helper: boot/panintelligence-boot.sh of @panintelligence/cdk-dashboard without',
    '# its comment lines, gzipped (when the library was built) and base64-encoded to stay within',
    '# the 16 KB user data limit.',
    `base64 -d <<'${HELPER_DELIMITER}' | gunzip >${BOOT_HELPER_PATH}`,
    helper,
    HELPER_DELIMITER,
    `chmod 0755 ${BOOT_HELPER_PATH}`,
    '# ---- End of rendered files ----',
    ...firstBoot.slice(marker + 1),
  );
  return userData;
}

/** The budget in whole seconds; the script needs time to work after keeping its reserve. */
function bootBudgetSeconds(budget: Duration): number {
  if (budget.isUnresolved()) {
    throw new InternalError('signal.budget must be a concrete duration: the boot script counts it down on the instance');
  }
  const seconds = budget.toSeconds({ integral: false });
  const minimum = BOOT_SIGNAL_RESERVE.toSeconds() + 120;
  if (!Number.isInteger(seconds) || seconds < minimum) {
    throw new InternalError(`signal.budget must be a whole number of seconds, at least ${minimum} (got ${budget.toHumanString()})`);
  }
  return seconds;
}

/**
 * The helper packed when the library was built, base64 in 76-column lines. Nothing is compressed
 * here: the user data is a function of the library version and the props only.
 */
function packedHelperLines(): string {
  let packed: Buffer;
  try {
    packed = fs.readFileSync(PACKED_HELPER_ASSET);
  } catch (e) {
    throw new InternalError(`the packed boot helper ${PACKED_HELPER_ASSET} is missing (built by \`npx projen bundle\`): ${(e as Error).message}`);
  }
  return packed.toString('base64').match(/.{1,76}/g)!.join('\n');
}

function readBootFile(name: string): string {
  // Beside this module in src/private/boot/ (tests) and lib/private/boot/ (the package; copied by
  // the build). Unix line ends whatever the checkout did to them.
  return fs.readFileSync(path.join(__dirname, name), 'utf-8').replace(/\r\n/g, '\n');
}

/** A value is written as one `KEY=value` line of a quoted heredoc: it must be one line. */
function checkOption(option: string, value: string, required: boolean) {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (required && value.trim() === '') {
    throw new ValidationError('renderDashboardUserData', [`${option} must not be empty`]);
  }
  if (/[\r\n\0]/.test(value) || value !== value.trim()) {
    throw new ValidationError('renderDashboardUserData', [`${option} must be a single line without surrounding spaces; got ${JSON.stringify(value)}`]);
  }
}
