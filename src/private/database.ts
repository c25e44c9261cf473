import { CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sfnTasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { checkUsername, PROVISION_HANDLER_ASSET } from './database-user';
import { DEFAULTS } from './defaults';
import { vpcFunctionRole } from './function-role';
import { createLogGroup } from './logging';
import { nagResourceFinding, suppressNag } from './nag';
import { stackUniqueName } from './names';
import { allowServiceToPublish, defaultBusRuleArn, servicePrincipalFor, TopicTarget } from './service-access';

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
  /** Rotation period of the app secret (alternating users). */
  readonly secretRotation: Duration;
  /** Rotation period of the master secret (single user). */
  readonly masterSecretRotation: Duration;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** Refuse connections without TLS (`require_secure_transport`). */
  readonly requireTls: boolean;
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
  /** Security group of the provisioning function: out to MariaDB and Secrets Manager only. */
  private readonly provisioningSecurityGroup: ec2.SecurityGroup;
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: DashboardDatabaseProps) {
    super(scope, id);
    this.logRetention = props.logRetention;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database: MariaDB from the fleet and the rotation function only',
      allowAllOutbound: false,
    });

    const engine = rds.DatabaseInstanceEngine.mariaDb({ version: ENGINE_VERSION });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Panintelligence dashboard repository settings',
      parameters: {
        lower_case_table_names: '1',
        sql_mode: 'NO_AUTO_VALUE_ON_ZERO',
        log_bin_trust_function_creators: '1',
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_unicode_ci',
        // Off by default: the dashboard's own connection may not use TLS (the functions' do).
        ...(props.requireTls ? { require_secure_transport: '1' } : {}),
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
      credentials: rds.Credentials.fromGeneratedSecret(MASTER_USERNAME, { excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS }),
      allocatedStorage: props.allocatedStorage,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: props.multiAz,
      publiclyAccessible: false,
      backupRetention: props.backupRetention,
      // DESTROY leaves nothing behind: the automated backups go with the instance, and the Delete
      // policy makes CloudFormation skip the final snapshot. Otherwise the backups are kept.
      deleteAutomatedBackups: props.removalPolicy === RemovalPolicy.DESTROY,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy,
    });
    // aws-cdk-lib's template validation checks EngineVersion against the full versions it knows
    // (rule E9006, allowed values) and warns about '10.11'. RDS accepts a major version there and
    // picks its current minor, which is the point (see ENGINE_VERSION): acknowledge that rule on
    // this one resource.
    Validations.of(this.instance.node.defaultChild!).acknowledge({
      id: 'CloudFormation-Validate::E9006',
      reason: 'EngineVersion is the major version 10.11 on purpose: RDS picks and upgrades the minor version.',
    });
    // AWS's CloudFormation linter has the same list of full versions (rule E3691): tell it, on this
    // resource only, that the major version is meant.
    (this.instance.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['E3691'] } });
    this.masterSecret = this.instance.secret!;

    // The app's secret: its own user, with the master secret's ARN (`masterarn`) for the
    // alternating-users rotation; attached, so it carries host, port and engine too.
    const appSecret = new rds.DatabaseSecret(this, 'AppSecret', {
      username: APP_USERNAME,
      dbname: SCHEMA_NAME,
      masterSecret: this.masterSecret,
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
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
    if (props.removalPolicy === RemovalPolicy.RETAIN) {
      appSecret.applyRemovalPolicy(RemovalPolicy.RETAIN);
      (this.instance.node.findChild('Secret') as secretsmanager.Secret).applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database password rotation: out to MariaDB and Secrets Manager only',
      allowAllOutbound: false,
    });
    this.provisioningSecurityGroup = new ec2.SecurityGroup(this, 'ProvisioningSecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard database user provisioning: out to MariaDB and Secrets Manager only',
      allowAllOutbound: false,
    });
    for (const group of [this.rotationSecurityGroup, this.provisioningSecurityGroup]) {
      if (props.secretsManagerEndpoint) {
        props.secretsManagerEndpoint.connections.allowDefaultPortFrom(group, 'Secrets Manager API over the interface endpoint');
      } else {
        // Without an interface endpoint the Secrets Manager API is reached through the NAT gateway.
        group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API');
      }
    }
    this.instance.connections.allowDefaultPortFrom(this.provisioningSecurityGroup, 'MariaDB from the user provisioning function');

    this.appUser = this.provisionAppUser(props);

    // No `endpoint`: the functions then call Secrets Manager's regional name, which the interface
    // endpoint's private DNS resolves to the endpoint (the name aws-cdk-lib builds from an
    // endpoint id does not resolve). Neither schedule rotates at creation: the first rotation
    // comes one period after the deployment, so it never races the provisioning or the first
    // boot of the fleet.
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
    // Multi-user rotation copies the grants of the current user: it must exist first.
    for (const secret of [this.masterSecret, this.secret]) {
      secret.node.findChild('RotationSchedule').node.addDependency(this.appUser);
    }

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
   * The custom resource that creates the schema and the app user from the master secret. A
   * function of its own runs in the VPC; aws-cdk-lib's provider framework calls it and always
   * answers CloudFormation, also when it fails or times out.
   */
  private provisionAppUser(props: DashboardDatabaseProps): CustomResource {
    const logGroup = createLogGroup(this, 'ProvisioningLogs', { retention: props.logRetention });
    const role = vpcFunctionRole(this, 'ProvisioningRole', 'Panintelligence dashboard database user provisioning', logGroup);
    this.masterSecret.grantRead(role);
    this.secret.grantRead(role);

    const handler = new lambda.Function(this, 'ProvisioningFunction', {
      description: 'Creates the Panintelligence dashboard database user and schema',
      runtime: DEFAULTS.handlerRuntime,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(PROVISION_HANDLER_ASSET),
      role,
      memorySize: 256,
      timeout: Duration.minutes(2),
      vpc: props.vpc,
      vpcSubnets: props.rotationSubnets,
      securityGroups: [this.provisioningSecurityGroup],
      logGroup,
    });
    // The function's network path must exist before it runs: its egress rules, the database's
    // and the endpoint's ingress rules.
    handler.node.addDependency(this.provisioningSecurityGroup, this.securityGroup);
    if (props.secretsManagerEndpoint) {
      handler.node.addDependency(props.secretsManagerEndpoint);
    }

    const provider = new cr.Provider(this, 'ProvisioningProvider', {
      onEventHandler: handler,
      logGroup: createLogGroup(this, 'ProvisioningProviderLogs', { retention: props.logRetention }),
    });
    suppressProviderFindings(provider, handler);

    return new CustomResource(this, 'AppUser', {
      resourceType: 'Custom::PanintelligenceDatabaseUser',
      serviceToken: provider.serviceToken,
      properties: {
        MasterSecretArn: this.masterSecret.secretArn,
        AppSecretArn: this.secret.secretArn,
        SchemaName: SCHEMA_NAME,
      },
    });
  }

  /**
   * Starts an instance refresh of `group` each time a rotation of the app secret succeeds and
   * waits for its outcome, so every instance restarts with the new credentials while full healthy
   * capacity is kept. A failed rotation of either secret, and a refresh that fails or times out,
   * notify `alarmTopic`.
   */
  public refreshOnRotation(group: autoscaling.AutoScalingGroup, warmup: Duration, alarmTopic?: sns.ITopic): events.Rule {
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
      resultSelector: { 'InstanceRefreshId.$': '$.InstanceRefreshId' },
      resultPath: '$.refresh',
    });
    // A refresh already running (a deployment, an earlier rotation) must finish first.
    start.addRetry({
      errors: ['AutoScaling.InstanceRefreshInProgressException'],
      interval: Duration.minutes(5),
      maxAttempts: 24,
      backoffRate: 1,
    });
    start.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });

    const wait = new sfn.Wait(this, 'WaitForRefresh', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
    const describe = new sfnTasks.CallAwsService(this, 'DescribeInstanceRefresh', {
      service: 'autoscaling',
      action: 'describeInstanceRefreshes',
      parameters: {
        'AutoScalingGroupName': group.autoScalingGroupName,
        'InstanceRefreshIds.$': 'States.Array($.refresh.InstanceRefreshId)',
      },
      // Describe actions of Auto Scaling take no resource-level permissions.
      iamResources: ['*'],
      iamAction: 'autoscaling:DescribeInstanceRefreshes',
      resultSelector: { 'Status.$': '$.InstanceRefreshes[0].Status' },
      resultPath: '$.result',
    });
    describe.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
    const running = ['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'];
    const outcome = new sfn.Choice(this, 'RefreshOutcome')
      .when(sfn.Condition.stringEquals('$.result.Status', 'Successful'), new sfn.Succeed(this, 'RefreshSucceeded'))
      .when(sfn.Condition.or(...running.map((status) => sfn.Condition.stringEquals('$.result.Status', status))), wait)
      .otherwise(new sfn.Fail(this, 'RefreshFailed', {
        error: 'InstanceRefreshFailed',
        causePath: "States.Format('The instance refresh ended as {}', $.result.Status)",
      }));

    const logGroup = new logs.LogGroup(this, 'RefreshOnRotationLogs', {
      // Under /aws/vendedlogs/ Step Functions delivers logs without adding to the account's
      // CloudWatch Logs resource policy, which has a size limit. The stack's id makes the name
      // unique also against a group a deleted stack of the same name left behind.
      logGroupName: `/aws/vendedlogs/states/${stackUniqueName(this, 'RefreshOnRotationLogs', 120)}`,
      retention: this.logRetention,
      removalPolicy: DEFAULTS.logRemovalPolicy,
    });
    const stateMachine = new sfn.StateMachine(this, 'RefreshOnRotation', {
      definitionBody: sfn.DefinitionBody.fromChainable(start.next(wait).next(describe).next(outcome)),
      timeout: Duration.hours(4),
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    suppressNag(stateMachine.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Log delivery and X-Ray actions of Step Functions, and autoscaling:DescribeInstanceRefreshes, do not support resource-level permissions.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'An Auto Scaling group ARN contains a generated id; the wildcard stands for that id only, the group name is exact.',
        appliesTo: [nagResourceFinding(this, group.autoScalingGroupArn)],
      },
    ], true);

    // Neither a failed rotation (of either secret) nor a refresh that failed, timed out or was
    // stopped may go unnoticed: both events go to the alarm topic.
    if (alarmTopic) {
      const rotationFailed = new events.Rule(this, 'RotationFailedRule', {
        description: 'Notifies the alarm topic when a rotation of a dashboard database secret fails',
        eventPattern: secretsManagerEvent('RotationFailed', [this.masterSecret, this.secret]),
        targets: [new TopicTarget(alarmTopic, events.RuleTargetInput.fromObject({
          alarm: 'A rotation of a Panintelligence dashboard database secret failed: see the log of its rotation function',
          secret: events.EventField.fromPath('$.detail.additionalEventData.SecretId'),
          time: events.EventField.time,
        }))],
      });
      const refreshFailed = new events.Rule(this, 'RefreshFailedRule', {
        description: 'Notifies the alarm topic when the fleet refresh after a rotation does not succeed',
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
        },
        targets: [new TopicTarget(alarmTopic, events.RuleTargetInput.fromObject({
          alarm: 'The instance refresh after a database password rotation did not succeed: instances may hold credentials that the next rotation invalidates',
          status: events.EventField.fromPath('$.detail.status'),
          execution: events.EventField.fromPath('$.detail.executionArn'),
          time: events.EventField.time,
        }))],
      });
      // EventBridge may publish (and use an encrypted topic's key) for these two rules only.
      allowServiceToPublish(this, alarmTopic, 'events.amazonaws.com', {
        arns: [rotationFailed.ruleArn, refreshFailed.ruleArn],
        pattern: 'events:rule/*',
      });
    }

    // The role EventBridge starts the refresh with may be assumed for this rule only. The rule
    // is named so that its ARN is known without a reference to it: the rule refers to the role.
    const ruleName = stackUniqueName(this, 'RotationSucceeded', 50);
    const role = new iam.Role(this, 'RotationSucceededRole', {
      assumedBy: servicePrincipalFor(this, 'events.amazonaws.com', [defaultBusRuleArn(this, ruleName)]),
      description: 'Starts the dashboard fleet refresh after a database password rotation',
    });
    return new events.Rule(this, 'RotationSucceeded', {
      ruleName,
      description: 'Refreshes the dashboard fleet after its database password rotates',
      eventPattern: secretsManagerEvent('RotationSucceeded', [this.secret]),
      targets: [new eventsTargets.SfnStateMachine(stateMachine, { role, retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
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

/** The CloudTrail event Secrets Manager sends for a rotation step of one of `secrets`. */
function secretsManagerEvent(eventName: string, secrets: secretsmanager.ISecret[]): events.EventPattern {
  return {
    source: ['aws.secretsmanager'],
    detailType: ['AWS Service Event via CloudTrail'],
    detail: {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: [eventName],
      additionalEventData: { SecretId: secrets.map((secret) => secret.secretArn) },
    },
  };
}

/** aws-cdk-lib's provider framework function: what cdk-nag finds in it, and why it is fine here. */
function suppressProviderFindings(provider: cr.Provider, handler: lambda.IFunction): void {
  const framework: IConstruct = provider.node.findChild('framework-onEvent');
  suppressNag(framework.node.findChild('ServiceRole'), [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s custom resource provider function only relays one request per deployment and logs with the basic Lambda policy.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
  suppressNag(framework.node.findChild('ServiceRole').node.findChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'The provider function may invoke every version of the provisioning function only; Lambda grants name them with a :* suffix.',
    appliesTo: [nagResourceFinding(handler, `${handler.functionArn}:*`)],
  }]);
}
