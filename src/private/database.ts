import { ArnFormat, CfnResource, CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct, IDependable } from 'constructs';
import { provisionAppUser } from './database-user/database-user';
import { checkUsername } from './database-user/sql';
import { DEFAULTS } from './defaults';
import { rotationRules, WindowSpec } from './maintenance/window';
import { acknowledgeRules, nagResourceFinding, suppressNag } from './nag';
import { stackUniqueName } from './names';
import type { ResolvedDashboardProps } from './resolved-props';

/** The schema the dashboard keeps its repository in. */
export const SCHEMA_NAME = 'dashboard';

/**
 * The dashboard's own database user. Its alternating-users rotation switches the app secret
 * between this user and `pidashboard_clone`.
 */
export const APP_USERNAME = checkUsername('pidashboard');

/** The master (admin) user: used by the rotation functions and the provisioning of the app user only. */
export const MASTER_USERNAME = 'piadmin';

/**
 * The engine: MariaDB 10.11 with no minor version, so RDS picks the newest 10.11 at creation and
 * applies later ones in the maintenance window. A pinned minor is retired by RDS after a while,
 * which then fails every new stack, and a library release below an applied minor would look like
 * a downgrade. The parameter group family (mariadb10.11) follows the major version.
 */
export const ENGINE_VERSION = rds.MariaDbEngineVersion.of('10.11', '10.11');


/**
 * Characters left out of generated passwords: the env files are `KEY=value` lines without
 * quotes, so nothing that a shell, systemd or a JDBC URL would read specially.
 */
export const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^';

/**
 * Internal: what the database tier needs. `secretRotation` is the rotation period of the app
 * secret (alternating users), `masterSecretRotation` that of the master secret (single user).
 */
export interface DashboardDatabaseProps extends Pick<ResolvedDashboardProps,
'databaseInstanceType' | 'databaseAllocatedStorage' | 'databaseMultiAz' | 'databaseBackupRetention'
| 'databaseRequireTls' | 'secretRotation' | 'masterSecretRotation' | 'removal' | 'logRetention' | 'databaseSnapshotIdentifier'
| 'databasePort' | 'databaseMonitoringInterval' | 'encryptionKey'> {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly rotationSubnets: ec2.SubnetSelection;
  /** The Secrets Manager endpoint the functions call (created here, or an existing one's group). */
  readonly secretsManagerEndpoint?: ec2.IConnectable & IDependable;
  /** The weekly maintenance window both rotations happen in. */
  readonly rotationWindow: WindowSpec;
}

/**
 * RDS MariaDB for the dashboard's repository and two secrets: the master secret, rotated in place
 * and read only by the rotation functions and the provisioning of the app user; and the app
 * secret, which the instances read, rotated with alternating users so the credentials running
 * instances hold stay valid until the rotation after next.
 */
export class DashboardDatabase extends Construct {
  public readonly instance: rds.DatabaseInstance;
  /** The app secret: the dashboard's own user, what the instances read. */
  public readonly secret: secretsmanager.ISecret;
  /** The master secret: never granted to the instances. */
  public readonly masterSecret: secretsmanager.ISecret;
  private readonly securityGroup: ec2.SecurityGroup;
  /** Security group of the rotation functions. */
  public readonly rotationSecurityGroup: ec2.SecurityGroup;
  /**
   * The custom resource that creates the app user and schema. Instances must not boot before it.
   */
  public readonly appUser: CustomResource;

  constructor(scope: Construct, id: string, props: DashboardDatabaseProps) {
    super(scope, id);
    const removalPolicy = props.removal.database;
    const retain = removalPolicy === RemovalPolicy.RETAIN;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database: MariaDB from the fleet and the rotation function only',
      allowAllOutbound: false,
    });
    // A kept database still uses its security group and parameter group, which CloudFormation
    // could then not delete: they are kept with it, so the stack's deletion completes.
    if (retain) {
      this.securityGroup.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    const engine = rds.DatabaseInstanceEngine.mariaDb({ version: ENGINE_VERSION });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Panintelligence dashboard repository settings',
      removalPolicy: retain ? RemovalPolicy.RETAIN : undefined,
      parameters: {
        lower_case_table_names: '1',
        sql_mode: 'NO_AUTO_VALUE_ON_ZERO',
        log_bin_trust_function_creators: '1',
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_unicode_ci',
        // Off by default: the dashboard's own connection may not use TLS (the functions' do).
        ...(props.databaseRequireTls ? { require_secure_transport: '1' } : {}),
        // Queries slower than long_query_time (10 s) go to the slow-query log, exported below.
        slow_query_log: '1',
      },
    });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      parameterGroup,
      instanceType: props.databaseInstanceType,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [this.securityGroup],
      // In the secrets too (attached), where the dashboard, the rotation and the provisioning read it.
      port: props.databasePort,
      databaseName: SCHEMA_NAME,
      credentials: rds.Credentials.fromGeneratedSecret(MASTER_USERNAME, {
        excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
        encryptionKey: props.encryptionKey,
      }),
      allocatedStorage: props.databaseAllocatedStorage,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      // With a role of its own, which lets RDS write to the RDSOSMetrics log group only.
      monitoringInterval: props.databaseMonitoringInterval,
      multiAz: props.databaseMultiAz,
      publiclyAccessible: false,
      backupRetention: props.databaseBackupRetention,
      // DESTROY leaves nothing behind: the automated backups go with the instance, and the Delete
      // policy makes CloudFormation skip the final snapshot. Otherwise the backups are kept.
      deleteAutomatedBackups: removalPolicy === RemovalPolicy.DESTROY,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      // Only a kept database is protected: with SNAPSHOT (the default) or DESTROY the stack's
      // deletion deletes it, which deletion protection would refuse half-way (DELETE_FAILED).
      deletionProtection: retain,
      removalPolicy,
      // Password logins stay as they are (the app, the rotation); IAM logins are possible too.
      iamAuthentication: true,
      cloudwatchLogsExports: [...DATABASE_LOG_EXPORTS],
    });
    exportedLogRetention(this, this.instance, props);
    // aws-cdk-lib's template validation checks EngineVersion against the full versions it knows
    // (rule E9006, allowed values) and warns about '10.11'. RDS accepts a major version there and
    // picks its current minor, which is the point (see ENGINE_VERSION): acknowledge that rule on
    // this one resource.
    acknowledgeRules(this.instance.node.defaultChild!, [{
      id: 'CloudFormation-Validate::E9006',
      reason: 'EngineVersion is the major version 10.11 on purpose: RDS picks and upgrades the minor version.',
    }]);
    // AWS's CloudFormation linter has the same list of full versions (rule E3691): tell it, on this
    // resource only, that the major version is meant.
    (this.instance.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['E3691'] } });
    this.masterSecret = this.instance.secret!;
    if (props.databaseSnapshotIdentifier !== undefined) {
      restoreFromSnapshot(this.instance, props.databaseSnapshotIdentifier);
    }

    // The app's secret: its own user, with the master secret's ARN (`masterarn`) for the
    // alternating-users rotation; attached, so it carries host, port and engine too.
    const appSecret = new rds.DatabaseSecret(this, 'AppSecret', {
      username: APP_USERNAME,
      dbname: SCHEMA_NAME,
      masterSecret: this.masterSecret,
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
      encryptionKey: props.encryptionKey,
    });
    this.secret = appSecret.attach(this.instance);
    // `"ssl": true` makes the rotation functions connect with TLS and verify the server, with no
    // fall-back to plain text (without the key they try TLS, then fall back). aws-cdk-lib writes
    // no such key, so the template of the generated secret is written here whole.
    requireTlsOfRotation(this.instance.node.findChild('Secret'), { username: MASTER_USERNAME });
    requireTlsOfRotation(appSecret, { username: APP_USERNAME, dbname: SCHEMA_NAME, masterarn: this.masterSecret.secretArn });
    // A retained database keeps the secrets that log in to it; otherwise they go with the stack
    // (a restored snapshot gets a new master password from RDS and the app user's password from
    // the next provisioning).
    if (removalPolicy === RemovalPolicy.RETAIN) {
      appSecret.applyRemovalPolicy(RemovalPolicy.RETAIN);
      (this.instance.node.findChild('Secret') as secretsmanager.Secret).applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database password rotation: out to MariaDB and Secrets Manager only',
      allowAllOutbound: false,
    });
    const provisioningSecurityGroup = new ec2.SecurityGroup(this, 'ProvisioningSecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database user provisioning: out to MariaDB and Secrets Manager only',
      allowAllOutbound: false,
    });
    for (const group of [this.rotationSecurityGroup, provisioningSecurityGroup]) {
      if (props.secretsManagerEndpoint) {
        props.secretsManagerEndpoint.connections.allowDefaultPortFrom(group, 'Secrets Manager API over the interface endpoint');
      } else {
        // Without an interface endpoint the Secrets Manager API is reached through the NAT gateway.
        group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API');
      }
    }
    this.instance.connections.allowDefaultPortFrom(provisioningSecurityGroup, 'MariaDB from the user provisioning function');

    this.appUser = provisionAppUser(this, {
      vpc: props.vpc,
      vpcSubnets: props.rotationSubnets,
      securityGroup: provisioningSecurityGroup,
      // Its egress rules, the database's and the endpoint's ingress rules.
      networkPath: [provisioningSecurityGroup, this.securityGroup, ...(props.secretsManagerEndpoint ? [props.secretsManagerEndpoint] : [])],
      masterSecret: this.masterSecret,
      appSecret: this.secret,
      schemaName: SCHEMA_NAME,
      // A new instance (restored from a snapshot, with the users and passwords of the snapshot's
      // time) gets a new identifier, which runs the provisioning again against it.
      databaseInstanceId: this.instance.instanceIdentifier,
      logRetention: props.logRetention,
    });

    // No `endpoint`: the functions then call Secrets Manager's regional name, which the interface
    // endpoint's private DNS resolves to the endpoint (the name aws-cdk-lib builds from an
    // endpoint id does not resolve). Neither schedule rotates at creation: the first rotation
    // comes in the first maintenance window it is due in, so it never races the provisioning or
    // the first boot of the fleet.
    const common = {
      securityGroup: this.rotationSecurityGroup,
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
      vpcSubnets: props.rotationSubnets,
      rotateImmediatelyOnUpdate: false,
    };
    this.instance.addRotationSingleUser({ ...common, automaticallyAfter: props.masterSecretRotation });
    this.instance.addRotationMultiUser('AppSecretRotation', {
      ...common,
      secret: this.secret,
      automaticallyAfter: props.secretRotation,
    });
    // Multi-user rotation copies the grants of the current user: it must exist first. Both
    // rotate in the maintenance window, never at the same time (see rotationRules).
    for (const [secret, kind, period] of [
      [this.masterSecret, 'master', props.masterSecretRotation],
      [this.secret, 'app', props.secretRotation],
    ] as const) {
      const schedule = secret.node.findChild('RotationSchedule');
      schedule.node.addDependency(this.appUser);
      const rules = rotationRules(props.rotationWindow, kind, period.toDays({ integral: false }));
      (schedule.node.defaultChild as secretsmanager.CfnRotationSchedule).rotationRules = {
        scheduleExpression: rules.scheduleExpression,
        duration: rules.duration,
      };
    }
    this.rotationFunctionLogs(this.instance.node.findChild('RotationSingleUser'), 'MasterRotation', props.logRetention);
    this.rotationFunctionLogs(this.instance.node.findChild('AppSecretRotation'), 'AppRotation', props.logRetention);

    suppressNag(this.instance, [
      {
        id: 'AwsSolutions-RDS6',
        reason: 'The dashboard connects with a user name and password read from Secrets Manager at boot; it cannot use IAM database tokens.',
      },
      ...(props.databasePort === DEFAULTS.databasePort ? [{
        id: 'AwsSolutions-RDS11',
        reason: 'Port 3306 is what the dashboard expects unless databasePort says otherwise; the database is in isolated subnets and reachable only from the fleet and rotation security groups.',
      }] : []),
      ...(props.databaseMultiAz ? [] : [{
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ was chosen explicitly with databaseMultiAz: false, trading availability for cost.',
      }]),
      ...(retain ? [] : [{
        id: 'AwsSolutions-RDS10',
        reason: 'removalPolicy SNAPSHOT (the default) and DESTROY delete the database with the stack (SNAPSHOT after a final snapshot), '
          + 'which deletion protection would refuse half-way; RETAIN keeps deletion protection on.',
      }]),
    ]);
    if (props.databaseMonitoringInterval !== undefined) {
      suppressNag(this.instance.node.findChild('MonitoringRole'), [{
        id: 'AwsSolutions-IAM4',
        reason: 'RDS Enhanced Monitoring\'s own service-role policy: it lets RDS write the RDSOSMetrics log group and nothing else, '
          + 'and the role can only be assumed by monitoring.rds.amazonaws.com.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
      }]);
    }
  }

  /**
   * Names a rotation function (made in a nested stack by AWS's rotation application) uniquely for
   * this stack, and makes its log group, `/aws/lambda/<name>`, with the construct's retention and
   * removal policy before the function exists. Lambda would otherwise create that group at the
   * first rotation, with no retention, owned by no stack.
   */
  private rotationFunctionLogs(rotation: IConstruct, id: string, retention: logs.RetentionDays): logs.LogGroup {
    const application = rotation.node.defaultChild as CfnResource;
    // Lambda names: at most 64 characters.
    const functionName = stackUniqueName(this, id, 51);
    application.addPropertyOverride('Parameters.functionName', functionName);
    const group = new logs.LogGroup(this, `${id}Logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention,
      removalPolicy: DEFAULTS.logRemovalPolicy,
    });
    application.node.addDependency(group);
    return group;
  }
}

/**
 * Sets the JSON template of a generated database secret to `fields` plus `"ssl": true`, the key
 * the rotation functions of Secrets Manager read to require TLS. `fields` must be what
 * aws-cdk-lib writes there itself; the test of the template checks that nothing else is lost.
 */
function requireTlsOfRotation(secret: IConstruct, fields: Record<string, string>): void {
  const cfn = secret.node.defaultChild as secretsmanager.CfnSecret;
  cfn.addPropertyOverride('GenerateSecretString.SecretStringTemplate', Stack.of(secret).toJsonString({ ...fields, ssl: true }));
}

/**
 * Makes `instance` one restored from `snapshotIdentifier`. The construct and its logical id stay
 * the same (so does the public `rds.DatabaseInstance` type), so setting or changing the snapshot
 * is an in-place replacement of the instance by CloudFormation, with the same master secret,
 * subnet group, security group and parameter group. The master password of the secret is set on
 * the restored instance (CloudFormation modifies it after the restore). The properties the
 * restored instance inherits from the snapshot, which CloudFormation refuses alongside
 * `DBSnapshotIdentifier`, are left out: what aws-cdk-lib's `DatabaseInstanceFromSnapshot` does.
 */
function restoreFromSnapshot(instance: rds.DatabaseInstance, snapshotIdentifier: string): void {
  const cfn = instance.node.defaultChild as rds.CfnDBInstance;
  cfn.dbSnapshotIdentifier = snapshotIdentifier;
  cfn.masterUsername = undefined;
  cfn.dbName = undefined;
  cfn.storageEncrypted = undefined;
  // The key too: a restored instance keeps the snapshot's (CloudFormation refuses KmsKeyId here).
  cfn.kmsKeyId = undefined;
  suppressNag(instance, [{
    id: 'AwsSolutions-RDS2',
    reason: 'A database restored from a snapshot inherits the encryption of the snapshot (CloudFormation refuses StorageEncrypted with DBSnapshotIdentifier); '
      + 'the snapshots this construct makes are of its encrypted database, and RDS cannot restore an encrypted snapshot unencrypted.',
  }]);
}

/**
 * The MariaDB logs exported to CloudWatch Logs: all four, so none is left out by mistake. The error
 * and slow-query logs have content; the general log stays empty, as `general_log` is off (it
 * would hold every statement with its values, the dashboard's data, at a volume costing more
 * than the database), and so does the audit log, whose plugin needs an option group.
 */
export const DATABASE_LOG_EXPORTS = ['audit', 'error', 'general', 'slowquery'] as const;

const LOG_RETENTION_IDS: Record<typeof DATABASE_LOG_EXPORTS[number], string> = {
  audit: 'AuditLogRetention',
  error: 'ErrorLogRetention',
  general: 'GeneralLogRetention',
  slowquery: 'SlowQueryLogRetention',
};

/** The stack-wide function of aws-cdk-lib that sets the retention of log groups it does not own. */
const LOG_RETENTION_FUNCTION_ID = 'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a';

/**
 * RDS creates the exported log groups itself (`/aws/rds/instance/<id>/<log>`), under the
 * generated instance identifier: aws-cdk-lib's log retention resource gives them `logRetention`,
 * and deletes them with the stack when `removalPolicy` is DESTROY.
 */
function exportedLogRetention(scope: Construct, instance: rds.DatabaseInstance, props: Pick<DashboardDatabaseProps, 'logRetention' | 'removal'>): void {
  const removalPolicy = props.removal.logs ?? RemovalPolicy.RETAIN;
  const groupNames = DATABASE_LOG_EXPORTS.map((log) => {
    const logGroupName = `/aws/rds/instance/${instance.instanceIdentifier}/${log}`;
    new logs.LogRetention(scope, LOG_RETENTION_IDS[log], { logGroupName, retention: props.logRetention, removalPolicy });
    return logGroupName;
  });
  const handler = Stack.of(scope).node.findChild(LOG_RETENTION_FUNCTION_ID);
  if (removalPolicy === RemovalPolicy.DESTROY) {
    suppressNag(handler.node.findChild('ServiceRole').node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'With removalPolicy DESTROY aws-cdk-lib\'s log retention function deletes the database\'s exported log groups with the stack: '
        + 'each is named by the instance, and its ARN ends in :* as every log group ARN does.',
      appliesTo: groupNames.map((name) => nagResourceFinding(scope, Stack.of(scope).formatArn({
        service: 'logs', resource: 'log-group', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }))),
    }]);
  }
  suppressNag(handler.node.findChild('ServiceRole'), [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s log retention function sets the retention of the database\'s exported log groups at deployment, with the basic Lambda logging policy.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
  suppressNag(handler.node.findChild('ServiceRole').node.findChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'aws-cdk-lib\'s log retention function sets and removes retention policies of log groups that RDS creates under a generated name; the actions take no narrower resource it could name in advance.',
    appliesTo: ['Resource::*'],
  }]);
}
