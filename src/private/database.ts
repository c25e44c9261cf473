import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sfnTasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { createLogGroup } from './logging';
import { nagResourceFinding, suppressNag } from './nag';

/** The schema the dashboard keeps its repository in. */
export const SCHEMA_NAME = 'dashboard';

/** MariaDB port: part of the dashboard's contract. */
export const DATABASE_PORT = 3306;

/**
 * Characters left out of generated passwords: the env files are `KEY=value` lines without
 * quotes, so nothing that a shell, systemd or a JDBC URL would read specially.
 */
export const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^';

/** Internal: what the database tier needs. */
export interface DashboardDatabaseProps {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly rotationSubnets: ec2.SubnetSelection;
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;
  readonly instanceType: ec2.InstanceType;
  readonly allocatedStorage: number;
  readonly multiAz: boolean;
  readonly backupRetention: Duration;
  readonly secretRotation: Duration;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/**
 * RDS MariaDB for the dashboard's repository, its generated credentials in Secrets Manager and
 * their scheduled rotation.
 */
export class DashboardDatabase extends Construct {
  public readonly instance: rds.DatabaseInstance;
  public readonly secret: secretsmanager.ISecret;
  private readonly securityGroup: ec2.SecurityGroup;
  /** Security group of the rotation function. */
  public readonly rotationSecurityGroup: ec2.SecurityGroup;
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: DashboardDatabaseProps) {
    super(scope, id);
    this.logRetention = props.logRetention;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database: MariaDB from the fleet and the rotation function only',
      allowAllOutbound: false,
    });

    // Pinned together: the parameter group family (mariadb10.11) follows this engine version;
    // minor upgrades within 10.11 are applied in the maintenance window.
    const engine = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_10_11_16 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Panintelligence dashboard repository settings',
      parameters: {
        lower_case_table_names: '1',
        sql_mode: 'NO_AUTO_VALUE_ON_ZERO',
        log_bin_trust_function_creators: '1',
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_unicode_ci',
      },
    });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      parameterGroup,
      instanceType: props.instanceType,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [this.securityGroup],
      port: DATABASE_PORT,
      databaseName: SCHEMA_NAME,
      credentials: rds.Credentials.fromGeneratedSecret('piadmin', { excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS }),
      allocatedStorage: props.allocatedStorage,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: props.multiAz,
      publiclyAccessible: false,
      backupRetention: props.backupRetention,
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy,
    });
    this.secret = this.instance.secret!;

    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database password rotation: out to MariaDB and Secrets Manager only',
      allowAllOutbound: false,
    });
    if (!props.secretsManagerEndpoint) {
      // Without an interface endpoint the Secrets Manager API is reached through the NAT gateway.
      this.rotationSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API');
    }
    this.instance.addRotationSingleUser({
      securityGroup: this.rotationSecurityGroup,
      automaticallyAfter: props.secretRotation,
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
      vpcSubnets: props.rotationSubnets,
      endpoint: props.secretsManagerEndpoint,
    });

    suppressNag(this.instance, [
      {
        id: 'AwsSolutions-RDS6',
        reason: 'The dashboard connects with a user name and password read from Secrets Manager at boot; it cannot use IAM database tokens.',
      },
      {
        id: 'AwsSolutions-RDS11',
        reason: 'Port 3306 is the dashboard\'s contract; the database is in isolated subnets and reachable only from the fleet and rotation security groups.',
      },
      ...(props.multiAz ? [] : [{
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ was chosen explicitly with databaseMultiAz: false, trading availability for cost.',
      }]),
      ...(props.removalPolicy === RemovalPolicy.DESTROY ? [{
        id: 'AwsSolutions-RDS10',
        reason: 'removalPolicy DESTROY was chosen explicitly, so deletion protection would stop the requested deletion.',
      }] : []),
    ]);
  }

  /**
   * Starts an instance refresh of `group` each time a rotation of the database secret succeeds,
   * so every instance restarts with the new password while full healthy capacity is kept.
   */
  public refreshOnRotation(group: autoscaling.AutoScalingGroup, warmup: Duration): events.Rule {
    const start = new sfnTasks.CallAwsService(this, 'StartInstanceRefresh', {
      service: 'autoscaling',
      action: 'startInstanceRefresh',
      parameters: {
        AutoScalingGroupName: group.autoScalingGroupName,
        Preferences: {
          // Launch before terminating: never fewer healthy instances than before.
          MinHealthyPercentage: 100,
          MaxHealthyPercentage: 200,
          InstanceWarmup: warmup.toSeconds(),
        },
      },
      iamResources: [group.autoScalingGroupArn],
      iamAction: 'autoscaling:StartInstanceRefresh',
    });
    // A refresh already running (a deployment, an earlier rotation) must finish first.
    start.addRetry({
      errors: ['AutoScaling.InstanceRefreshInProgressException'],
      interval: Duration.minutes(5),
      maxAttempts: 24,
      backoffRate: 1,
    });
    start.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });

    const stateMachine = new sfn.StateMachine(this, 'RefreshOnRotation', {
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      timeout: Duration.hours(3),
      tracingEnabled: true,
      logs: {
        destination: createLogGroup(this, 'RefreshOnRotationLogs', { retention: this.logRetention }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    suppressNag(stateMachine.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Log delivery and X-Ray actions of Step Functions do not support resource-level permissions.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'An Auto Scaling group ARN contains a generated id; the wildcard stands for that id only, the group name is exact.',
        appliesTo: [nagResourceFinding(this, group.autoScalingGroupArn)],
      },
    ], true);

    return new events.Rule(this, 'RotationSucceeded', {
      description: 'Refreshes the dashboard fleet after its database password rotates',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationSucceeded'],
          additionalEventData: { SecretId: [this.secret.secretArn] },
        },
      },
      targets: [new eventsTargets.SfnStateMachine(stateMachine, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
  }
}
