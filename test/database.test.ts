import { App, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PanintelligenceDashboard } from '../src';
import { DEFAULT_NODE_RUNTIME, testFromCdk } from './cdk-range';
import {
  actionsOf, idOf, refId, resourceById as resource, resourcesOf, resourcesOfStatement, securityGroupsOf, statementsOf, subnetsOfKind, theResource,
} from './template';
import { baseProps, only, synth } from './util';
import { APP_PRIVILEGES } from '../src/private/database-user/sql';

const MASTER = /DatabaseInstanceSecretAttachment/;
const APP = /DatabaseAppSecretAttachment/;

/** The rotation application of the secret attachment matching `secret`, and its schedule. */
function rotationOf(template: Template, secret: RegExp) {
  const secretId = idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', secret);
  const [scheduleId, schedule] = theResource(template, 'AWS::SecretsManager::RotationSchedule', { Properties: { SecretId: { Ref: secretId } } });
  const appId = refId(schedule.Properties.RotationLambdaARN);
  const application = resource(template, appId);
  const [mapping] = application.Properties.Location.ApplicationId['Fn::FindInMap'];
  const applicationName = template.toJSON().Mappings[mapping].aws.applicationId.split('/').pop();
  return { secretId, scheduleId, schedule, application, applicationName };
}

/** A state machine definition (Amazon States Language), as far as the tests read it. */
interface StateMachineDefinition {
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: { readonly [name: string]: { readonly Type: string; readonly [field: string]: any } };
}

/** The state machine's definition with every token replaced by 'TOKEN'. */
function definitionOf(template: Template): StateMachineDefinition {
  const machine = resource(template, idOf(template, 'AWS::StepFunctions::StateMachine', /RefreshOnRotation/));
  const [, parts] = machine.Properties.DefinitionString['Fn::Join'];
  return JSON.parse(parts.map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
}

/** The Secrets Manager interface endpoint. */
function secretsManagerEndpoint(template: Template) {
  return theResource(template, 'AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })[1];
}

/** What the roles matching `role` may read from Secrets Manager (logical ids). */
function secretReads(template: Template, role: RegExp): string[] {
  return statementsOf(template, role).filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')).map((s) => refId(s.Resource));
}

describe('database, default', () => {
  let template: Template;
  let stack: Stack;
  let dashboard: PanintelligenceDashboard;

  beforeAll(() => {
    ({ template, stack, dashboard } = synth());
  });

  test('MariaDB 10.11 by major version with minor upgrades, encrypted, multi-AZ, private, with 7 days of backups', () => {
    const db = only(template, 'AWS::RDS::DBInstance');
    expect(db.Properties).toMatchObject({
      Engine: 'mariadb',
      EngineVersion: '10.11',
      AutoMinorVersionUpgrade: true,
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: '20',
      StorageType: 'gp3',
      StorageEncrypted: true,
      MultiAZ: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: 7,
      DBName: 'dashboard',
      Port: '3306',
      // Not protected: the default removal policy deletes it after a final snapshot (see teardown).
      DeletionProtection: false,
      DeleteAutomatedBackups: false,
      MasterUsername: 'piadmin',
    });
    expect(db.DeletionPolicy).toBe('Snapshot');
    expect(db.UpdateReplacePolicy).toBe('Snapshot');
  });

  test('the parameter group family matches the engine and carries the dashboard settings', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'mariadb10.11',
      Parameters: {
        lower_case_table_names: '1',
        sql_mode: 'NO_AUTO_VALUE_ON_ZERO',
        log_bin_trust_function_creators: '1',
        character_set_server: 'utf8mb4',
        collation_server: 'utf8mb4_unicode_ci',
      },
    });
    // TLS is not required by default: the dashboard's own connection may not use it.
    expect(only(template, 'AWS::RDS::DBParameterGroup').Properties.Parameters.require_secure_transport).toBeUndefined();
  });

  test('isolated subnets only', () => {
    const group = only(template, 'AWS::RDS::DBSubnetGroup');
    const isolated = subnetsOfKind(template, 'Isolated');
    expect(isolated).toHaveLength(2);
    expect(group.Properties.SubnetIds).toHaveLength(isolated.length);
    expect(group.Properties.SubnetIds).toEqual(expect.arrayContaining(isolated));
  });

  test('two secrets: the master user and the app user, whose secret names the master secret; both ask rotation for TLS', () => {
    const secrets = resourcesOf(template, 'AWS::SecretsManager::Secret').map(([, secret]) => secret);
    expect(secrets).toHaveLength(2);
    const templates = secrets.map((s) => s.Properties.GenerateSecretString.SecretStringTemplate);
    const masterAttachment = idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', MASTER);
    // "ssl": true: the rotation functions connect with TLS and never fall back to plain text.
    expect(templates).toContainEqual(JSON.stringify({ username: 'piadmin', ssl: true }));
    expect(templates).toContainEqual({
      'Fn::Join': ['', ['{"username":"pidashboard","dbname":"dashboard","masterarn":"', { Ref: masterAttachment }, '","ssl":true}']],
    });
    expect(secrets.map((s) => s.Properties.GenerateSecretString.GenerateStringKey)).toEqual(['password', 'password']);
    // Attached to the instance, so it carries host, port and engine for the rotation and the instances.
    const appAttachment = idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', APP);
    expect(resource(template, appAttachment).Properties.TargetType).toBe('AWS::RDS::DBInstance');
    expect(stack.resolve(dashboard.databaseSecret.secretArn)).toEqual({ Ref: appAttachment });
  });

  test('both passwords are generated without characters an env file would misread', () => {
    for (const [, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret')) {
      const exclude: string = secret.Properties.GenerateSecretString.ExcludeCharacters;
      for (const c of [' ', '"', '\'', '\\', '$', '#', '=', '&', '`']) {
        expect(exclude).toContain(c);
      }
    }
  });

  test('the master secret rotates in place, the app secret with alternating users, monthly in the maintenance window', () => {
    const master = rotationOf(template, MASTER);
    expect(master.applicationName).toBe('SecretsManagerRDSMariaDBRotationSingleUser');
    // The first Sunday of each month, 02:00-03:00 UTC.
    expect(master.schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'cron(0 2 ? * SUN#1 *)', Duration: '1h' });
    const app = rotationOf(template, APP);
    expect(app.applicationName).toBe('SecretsManagerRDSMariaDBRotationMultiUser');
    // The third Sunday of each month, 03:00-06:00 UTC: never the master's day, nor its hour.
    expect(app.schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'cron(0 3 ? * SUN#3 *)', Duration: '3h' });
    expect(app.application.Properties.Parameters.masterSecretArn).toEqual({ Ref: master.secretId });
    const exclude = resourcesOf(template, 'AWS::SecretsManager::Secret')[0][1].Properties.GenerateSecretString.ExcludeCharacters;
    for (const { application } of [master, app]) {
      expect(application.Properties.Parameters.excludeCharacters).toBe(exclude);
      expect(application.Properties.Parameters.vpcSubnetIds).toEqual({ 'Fn::Join': ['', expect.arrayContaining(subnetsOfKind(template, 'Private'))] });
    }
  });

  test('no rotation at creation, and no schedule before the app user exists', () => {
    const userId = idOf(template, 'Custom::PanintelligenceDatabaseUser', /AppUser/);
    for (const secret of [MASTER, APP]) {
      const { schedule } = rotationOf(template, secret);
      // Secrets Manager would otherwise rotate as soon as the schedule is created.
      expect(schedule.Properties.RotateImmediatelyOnUpdate).toBe(false);
      expect(schedule.DependsOn).toContain(userId);
    }
  });

  test('the rotation functions call Secrets Manager by its regional name, which the endpoint\'s private DNS resolves', () => {
    const endpoint = secretsManagerEndpoint(template);
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    for (const secret of [MASTER, APP]) {
      expect(rotationOf(template, secret).application.Properties.Parameters.endpoint).toEqual({
        'Fn::Join': ['', ['https://secretsmanager.eu-west-2.', { Ref: 'AWS::URLSuffix' }]],
      });
    }
  });

  test('the rotation functions reach the database and the Secrets Manager endpoint', () => {
    const rotationSg = refId(rotationOf(template, APP).application.Properties.Parameters.vpcSecurityGroupIds);
    expect(refId(rotationOf(template, MASTER).application.Properties.Parameters.vpcSecurityGroupIds)).toBe(rotationSg);
    const db = only(template, 'AWS::RDS::DBInstance');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: db.Properties.VPCSecurityGroups[0],
      FromPort: { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint.Port'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [rotationSg, 'GroupId'] },
    });
    const endpoint = secretsManagerEndpoint(template);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: endpoint.Properties.SecurityGroupIds[0],
      FromPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [rotationSg, 'GroupId'] },
    });
  });

  test('the app user is provisioned by a custom resource reading both secrets, before the fleet', () => {
    const userId = idOf(template, 'Custom::PanintelligenceDatabaseUser', /AppUser/);
    const user = resource(template, userId);
    expect(user.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [idOf(template, 'AWS::Lambda::Function', /ProvisioningProviderframeworkonEvent/), 'Arn'] },
      MasterSecretArn: { Ref: idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', MASTER) },
      AppSecretArn: { Ref: idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', APP) },
      SchemaName: 'dashboard',
      // A change of the privileges changes the resource, so an update runs the provisioning again.
      Privileges: [...APP_PRIVILEGES],
      // A replaced (restored) database instance runs the provisioning again.
      DatabaseInstance: { Ref: idOf(template, 'AWS::RDS::DBInstance', /DatabaseInstance/) },
    });
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').DependsOn).toContain(userId);
    // The provider framework invokes the handler, which runs the bundled code in the VPC.
    const handlerId = idOf(template, 'AWS::Lambda::Function', /DatabaseProvisioningFunction/);
    const handler = resource(template, handlerId);
    expect(handler.Properties.Handler).toBe('index.handler');
    expect(handler.Properties.Runtime).toBe(DEFAULT_NODE_RUNTIME);
    expect(handler.Properties.VpcConfig.SubnetIds).toEqual(expect.arrayContaining(subnetsOfKind(template, 'Private')));
    const framework = resource(template, idOf(template, 'AWS::Lambda::Function', /ProvisioningProviderframeworkonEvent/));
    expect(framework.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [handlerId, 'Arn'] });
  });

  test('the provisioning function reaches only MariaDB and the Secrets Manager endpoint, and they are open before it runs', () => {
    const sgId = idOf(template, 'AWS::EC2::SecurityGroup', /DatabaseProvisioningSecurityGroup/);
    const handler = resource(template, idOf(template, 'AWS::Lambda::Function', /DatabaseProvisioningFunction/));
    expect(securityGroupsOf(handler)).toEqual([sgId]);
    // No inline egress: CloudFormation drops the group's default allow-all rule once the first
    // separate egress rule below is added.
    expect(resource(template, sgId).Properties.SecurityGroupEgress).toBeUndefined();
    const egress = resourcesOf(template, 'AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } } });
    const db = only(template, 'AWS::RDS::DBInstance');
    const endpoint = secretsManagerEndpoint(template);
    expect(egress.map(([, e]) => [e.Properties.DestinationSecurityGroupId, e.Properties.FromPort]).sort()).toEqual([
      [db.Properties.VPCSecurityGroups[0], { 'Fn::GetAtt': [idOf(template, 'AWS::RDS::DBInstance', /.*/), 'Endpoint.Port'] }],
      [endpoint.Properties.SecurityGroupIds[0], 443],
    ].sort());
    const ingress = Object.keys(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } },
    }));
    expect(ingress).toHaveLength(2);
    for (const ruleId of [...egress.map(([egressId]) => egressId), ...ingress]) {
      expect(handler.DependsOn).toContain(ruleId);
    }
  });

  test('the provisioning function reads both secrets; the instances read the app secret only', () => {
    const master = idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', MASTER);
    const app = idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', APP);
    expect(secretReads(template, /DatabaseProvisioningRole/).sort()).toEqual([app, master].sort());
    expect(secretReads(template, /FleetRole/)).toEqual([app]);
    // And nothing else the instances may do names the master secret.
    expect(statementsOf(template, /FleetRole/).flatMap(resourcesOfStatement)).not.toContainEqual({ Ref: master });
  });

  test('a successful rotation of the app secret, and each opening of the window, start the refresh', () => {
    const rule = resource(template, idOf(template, 'AWS::Events::Rule', /RotationSucceeded/));
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      'detail': {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationSucceeded'],
        additionalEventData: { SecretId: [{ Ref: idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', APP) }] },
      },
    });
    const machineId = idOf(template, 'AWS::StepFunctions::StateMachine', /RefreshOnRotation/);
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: machineId } })]);
    // The safety net does not depend on that event: every Sunday at 02:00 UTC.
    const window = resource(template, idOf(template, 'AWS::Events::Rule', /WindowCheck/));
    expect(window.Properties.ScheduleExpression).toBe('cron(0 2 ? * SUN *)');
    expect(window.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: machineId }, Input: '{"trigger":"maintenance-window"}' })]);
  });

  test('the state machine waits for the window, refreshes only a fleet older than the secret, keeping full capacity', () => {
    const { States: states, StartAt: startAt } = definitionOf(template);
    const plan = states[startAt];
    expect(plan.Type).toBe('Task');
    expect(plan.Parameters).toEqual({ action: 'plan' });
    const waitForWindow = states[plan.Next];
    expect(waitForWindow).toEqual({ Type: 'Wait', TimestampPath: '$.plan.waitUntil', Next: expect.any(String) });
    const check = states[waitForWindow.Next];
    expect(check.Parameters).toEqual({ action: 'check' });
    const needed = states[check.Next];
    expect(needed.Choices).toEqual([{ Variable: '$.check.refresh', BooleanEquals: true, Next: expect.any(String) }]);
    expect(states[needed.Default].Type).toBe('Succeed');

    const start = states[needed.Choices[0].Next];
    expect(start.Resource).toContain(':states:::aws-sdk:autoscaling:startInstanceRefresh');
    expect(start.Parameters.Preferences).toEqual({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 600 });
    // A refresh already running: no retry, but wait and check the fleet again.
    expect(start.Retry[0]).toEqual({ ErrorEquals: ['AutoScaling.InstanceRefreshInProgressException'], MaxAttempts: 0 });
    const [caught] = start.Catch;
    expect(caught.ErrorEquals).toEqual(['AutoScaling.InstanceRefreshInProgressException']);
    expect(states[caught.Next]).toEqual({ Type: 'Wait', Seconds: 300, Next: waitForWindow.Next });
  });

  test('the state machine waits for the refresh\'s outcome and fails when it does not succeed', () => {
    const { States: states } = definitionOf(template);
    const [startName, start] = Object.entries(states).find(([, st]: [string, any]) => (st.Resource ?? '').includes('startInstanceRefresh')) as [string, any];
    expect(startName).toBe('StartInstanceRefresh');
    expect(start.ResultSelector).toEqual({ 'InstanceRefreshId.$': '$.InstanceRefreshId' });
    const wait = states[start.Next];
    expect(wait).toEqual({ Type: 'Wait', Seconds: 60, Next: expect.any(String) });
    const describe = states[wait.Next];
    expect(describe.Resource).toContain(':states:::aws-sdk:autoscaling:describeInstanceRefreshes');
    expect(describe.Parameters['InstanceRefreshIds.$']).toBe('States.Array($.refresh.InstanceRefreshId)');
    const choice = states[describe.Next];
    expect(choice.Type).toBe('Choice');
    const [succeeded, running] = choice.Choices;
    expect(succeeded).toEqual({ Variable: '$.result.Status', StringEquals: 'Successful', Next: expect.any(String) });
    expect(states[succeeded.Next].Type).toBe('Succeed');
    expect(running.Or.map((c: { StringEquals: string }) => c.StringEquals).sort()).toEqual(['Baking', 'Cancelling', 'InProgress', 'Pending', 'RollbackInProgress']);
    expect(running.Next).toBe(start.Next);
    expect(states[choice.Default]).toMatchObject({ Type: 'Fail', Error: 'InstanceRefreshFailed' });
  });

  test('a run may last a week of waiting for the window plus a refresh that boots, warms up and drains', () => {
    // 7 days + 3 hours + (2 x 600 s boot budget + 600 s drain).
    expect(definitionOf(template).TimeoutSeconds).toBe(7 * 86400 + 3 * 3600 + 1800);
  });

  test('the state machine may refresh and describe this group only, and events may start only this machine', () => {
    const asgId = Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    const statements = statementsOf(template);
    const refresh = statements.filter((s) => s.Action === 'autoscaling:StartInstanceRefresh');
    expect(refresh).toHaveLength(1);
    expect(refresh[0].Resource).toEqual({ 'Fn::Join': ['', expect.arrayContaining([{ Ref: asgId }])] });
    expect(statements.filter((s) => s.Action === 'autoscaling:DescribeInstanceRefreshes')).toEqual([
      expect.objectContaining({ Resource: '*' }),
    ]);
    const machineId = idOf(template, 'AWS::StepFunctions::StateMachine', /RefreshOnRotation/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } }] },
    });
  });

  test('the state machine logs to a vended-logs group, unique to the stack and construct, with bounded retention', () => {
    const machine = resource(template, idOf(template, 'AWS::StepFunctions::StateMachine', /RefreshOnRotation/));
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const groupId = refId(machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn);
    const group = resource(template, groupId).Properties;
    expect(group.RetentionInDays).toBe(90);
    expect(group.LogGroupName).toEqual({
      'Fn::Join': ['', [
        expect.stringMatching(/^\/aws\/vendedlogs\/states\/Test-Dashboard-Database-[A-Za-z0-9-]+-$/),
        { 'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] },
      ]],
    });
  });

  test('two dashboards in one stack get different state machine log groups', () => {
    const app = new App();
    const two = new Stack(app, 'Two', { env: { account: '123456789012', region: 'eu-west-2' } });
    const props = baseProps(two);
    new PanintelligenceDashboard(two, 'One', props);
    new PanintelligenceDashboard(two, 'Other', props);
    const names = resourcesOf(Template.fromStack(two), 'AWS::Logs::LogGroup')
      .map(([, group]) => group.Properties.LogGroupName?.['Fn::Join']?.[1]?.[0])
      .filter((n) => typeof n === 'string' && n.startsWith('/aws/vendedlogs/') && n.includes('RefreshOnRotation'));
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  test('without alarmTopic, failed rotations and refreshes notify the construct\'s own topic', () => {
    const topicRef = stack.resolve(dashboard.alarmTopic.topicArn);
    const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) => /RotationFailed|RefreshFailed/.test(id));
    expect(rules).toHaveLength(2);
    for (const [, rule] of rules) {
      expect(rule.Properties.Targets.map((t: any) => t.Arn)).toEqual([topicRef]);
    }
  });

  test('IAM authentication is on, beside the passwords', () => {
    expect(only(template, 'AWS::RDS::DBInstance').Properties.EnableIAMDatabaseAuthentication).toBe(true);
  });

  test('all four MariaDB logs go to CloudWatch Logs, kept for logRetention; the slow-query log is on, the general log off', () => {
    expect(only(template, 'AWS::RDS::DBInstance').Properties.EnableCloudwatchLogsExports).toEqual(['audit', 'error', 'general', 'slowquery']);
    const parameters = only(template, 'AWS::RDS::DBParameterGroup').Properties.Parameters;
    expect(parameters.slow_query_log).toBe('1');
    expect(parameters.general_log).toBeUndefined();
    const instanceId = Object.keys(template.findResources('AWS::RDS::DBInstance'))[0];
    const retention = Object.values(template.findResources('Custom::LogRetention')).map((r: any) => r.Properties);
    expect(retention).toEqual(['audit', 'error', 'general', 'slowquery'].map((log) => expect.objectContaining({
      LogGroupName: { 'Fn::Join': ['', ['/aws/rds/instance/', { Ref: instanceId }, `/${log}`]] },
      RetentionInDays: 90,
      RemovalPolicy: 'retain',
    })));
  });
});

describe('failure notifications', () => {
  let template: Template;
  let topic: string;

  beforeAll(() => {
    ({ template } = synth((s: Stack) => ({ alarmTopic: new sns.Topic(s, 'Alarms') })));
    topic = idOf(template, 'AWS::SNS::Topic', /^Alarms/);
  });

  test('a failed rotation of either secret notifies the alarm topic', () => {
    const rule = resource(template, idOf(template, 'AWS::Events::Rule', /RotationFailed/));
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      'detail': {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationFailed'],
        additionalEventData: {
          SecretId: [
            { Ref: idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', MASTER) },
            { Ref: idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', APP) },
          ],
        },
      },
    });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: topic }, InputTransformer: expect.anything() })]);
    expect(rule.Properties.Targets[0].InputTransformer.InputPathsMap).toMatchObject({ 'detail-additionalEventData-SecretId': '$.detail.additionalEventData.SecretId' });
  });

  test('a refresh that fails, times out or is aborted notifies the alarm topic', () => {
    const rule = resource(template, idOf(template, 'AWS::Events::Rule', /RefreshFailed/));
    const machineId = idOf(template, 'AWS::StepFunctions::StateMachine', /RefreshOnRotation/);
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      'detail': { stateMachineArn: [{ Ref: machineId }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: topic } })]);
    // EventBridge may publish to the topic.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } })]) },
    });
  });
});

test('EventBridge may use the key of an encrypted alarm topic', () => {
  const { template } = synth((s: Stack) => ({ alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: new kms.Key(s, 'TopicKey') }) }));
  const key = only(template, 'AWS::KMS::Key');
  expect(key.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
  }));
});

test('databaseRequireTls makes the database refuse connections without TLS', () => {
  const { template } = synth(() => ({ databaseRequireTls: true }));
  expect(only(template, 'AWS::RDS::DBParameterGroup').Properties.Parameters).toMatchObject({
    require_secure_transport: '1',
    lower_case_table_names: '1',
  });
});

describe('database, options', () => {
  test('instance type, storage, single-AZ, backup retention and both rotation periods are honoured', () => {
    const { template } = synth(() => ({
      databaseInstanceType: new ec2.InstanceType('m6g.large'),
      databaseAllocatedStorage: 100,
      databaseMultiAz: false,
      databaseBackupRetention: Duration.days(14),
      secretRotation: Duration.days(7),
      masterSecretRotation: Duration.days(90),
    }));
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.m6g.large', AllocatedStorage: '100', MultiAZ: false, BackupRetentionPeriod: 14,
    });
    // In the default window (Sunday 02:00-06:00 UTC): the app secret every week after the first
    // hour, the master secret every third month in the first Sunday's first hour.
    expect(rotationOf(template, APP).schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'cron(0 3 ? * SUN *)', Duration: '3h' });
    expect(rotationOf(template, MASTER).schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'cron(0 2 ? 1/3 SUN#1 *)', Duration: '1h' });
  });

  test('logRetention and removalPolicy DESTROY reach the exported logs: deleted with the stack', () => {
    const { template } = synth(() => ({ logRetention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY }));
    const retention = Object.values(template.findResources('Custom::LogRetention')).map((r: any) => r.Properties);
    expect(retention).toHaveLength(4);
    for (const properties of retention) {
      expect(properties).toMatchObject({ RetentionInDays: 365, RemovalPolicy: 'destroy' });
    }
  });

  test('removalPolicy DESTROY deletes the database with its automated backups and no final snapshot', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.DESTROY }));
    const db = only(template, 'AWS::RDS::DBInstance');
    // Delete (not Snapshot) is what makes CloudFormation skip the final snapshot.
    expect(db.DeletionPolicy).toBe('Delete');
    expect(db.Properties.DeletionProtection).toBe(false);
    expect(db.Properties.DeleteAutomatedBackups).toBe(true);
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret'))) {
      expect(secret.DeletionPolicy).toBe('Delete');
    }
    expect(only(template, 'AWS::EFS::FileSystem').DeletionPolicy).toBe('Delete');
  });

  test('removalPolicy RETAIN keeps the database, its automated backups and the secrets that log in to it', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.RETAIN }));
    const db = only(template, 'AWS::RDS::DBInstance');
    expect(db.DeletionPolicy).toBe('Retain');
    expect(db.Properties.DeletionProtection).toBe(true);
    expect(db.Properties.DeleteAutomatedBackups).toBe(false);
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets.map((s) => s.DeletionPolicy)).toEqual(['Retain', 'Retain']);
  });

  test('removalPolicy SNAPSHOT takes a final snapshot and keeps the automated backups; the file system and bucket are retained', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.SNAPSHOT }));
    const db = only(template, 'AWS::RDS::DBInstance');
    expect(db.DeletionPolicy).toBe('Snapshot');
    // The deletion deletes it after the snapshot: protection would stop the stack's deletion.
    expect(db.Properties.DeletionProtection).toBe(false);
    expect(db.Properties.DeleteAutomatedBackups).toBe(false);
    expect(only(template, 'AWS::EFS::FileSystem').DeletionPolicy).toBe('Retain');
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ VersioningConfiguration: Match.anyValue() }) });
  });

  test('without an endpoint the rotation and provisioning functions reach Secrets Manager on 443 through the NAT gateway', () => {
    const { template } = synth((s: Stack) => ({ vpc: new ec2.Vpc(s, 'Given', { maxAzs: 2 }) }));
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    for (const name of [/DatabaseRotationSecurityGroup/, /DatabaseProvisioningSecurityGroup/]) {
      const sg = resource(template, idOf(template, 'AWS::EC2::SecurityGroup', name));
      expect(sg.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Secrets Manager API', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]);
    }
    expect(rotationOf(template, APP).application.Properties.Parameters.endpoint).toEqual({
      'Fn::Join': ['', ['https://secretsmanager.eu-west-2.', { Ref: 'AWS::URLSuffix' }]],
    });
  });

  test('the file system is encrypted, kept by default and mounted in each private subnet', () => {
    const { template } = synth();
    const fs = only(template, 'AWS::EFS::FileSystem');
    expect(fs.Properties.Encrypted).toBe(true);
    expect(fs.DeletionPolicy).toBe('Retain');
    template.resourceCountIs('AWS::EFS::MountTarget', 2);
  });
});

describe('the database restored from a snapshot (databaseSnapshotIdentifier)', () => {
  const SNAPSHOT = 'arn:aws:rds:eu-west-2:123456789012:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453';
  let fresh: Template;
  let restored: Template;

  beforeAll(() => {
    fresh = synth().template;
    restored = synth(() => ({ databaseSnapshotIdentifier: SNAPSHOT })).template;
  });

  test('the same instance, by logical id, now restored from the snapshot: an in-place replacement', () => {
    const freshId = idOf(fresh, 'AWS::RDS::DBInstance', /DatabaseInstance/);
    expect(idOf(restored, 'AWS::RDS::DBInstance', /DatabaseInstance/)).toBe(freshId);
    const before = resource(fresh, freshId);
    const after = resource(restored, freshId);
    expect(after.Properties.DBSnapshotIdentifier).toBe(SNAPSHOT);
    // Inherited from the snapshot, and refused by CloudFormation alongside it.
    for (const inherited of ['MasterUsername', 'DBName', 'StorageEncrypted']) {
      expect(before.Properties[inherited]).toBeDefined();
      expect(after.Properties[inherited]).toBeUndefined();
    }
    // Everything else is as before: subnets, security group, parameters, size, removal policy.
    const rest = (r: any) => {
      const { DBSnapshotIdentifier, MasterUsername, DBName, StorageEncrypted, ...others } = r.Properties;
      return { ...r, Properties: others, Metadata: undefined };
    };
    expect(rest(after)).toEqual(rest(before));
  });

  test('the restored instance gets the master password of the current master secret, which stays the same resource', () => {
    const dbId = idOf(restored, 'AWS::RDS::DBInstance', /DatabaseInstance/);
    const masterSecretId = idOf(restored, 'AWS::SecretsManager::Secret', /DatabaseInstanceSecret/);
    expect(JSON.stringify(resource(restored, dbId).Properties.MasterUserPassword)).toContain(`{"Ref":"${masterSecretId}"}`);
    expect(JSON.stringify(resource(restored, dbId).Properties.MasterUserPassword)).toContain(':SecretString:password::}}');
    expect(resource(restored, masterSecretId)).toEqual(resource(fresh, masterSecretId));
    const appSecretId = idOf(restored, 'AWS::SecretsManager::Secret', /DatabaseAppSecret/);
    expect(resource(restored, appSecretId)).toEqual(resource(fresh, appSecretId));
  });

  test('a new instance runs the provisioning again, and replaces the dashboard instances', () => {
    const dbId = idOf(restored, 'AWS::RDS::DBInstance', /DatabaseInstance/);
    const user = resource(restored, idOf(restored, 'Custom::PanintelligenceDatabaseUser', /AppUser/));
    // A replaced instance has a new identifier: the property changes, so CloudFormation updates the user.
    expect(user.Properties.DatabaseInstance).toEqual({ Ref: dbId });
    expect(only(restored, 'AWS::AutoScaling::AutoScalingGroup').DependsOn).toContain(idOf(restored, 'Custom::PanintelligenceDatabaseUser', /AppUser/));
    // ...and the user data names it, so a new identifier is a new launch template version.
    const parts = only(restored, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as any[];
    const at = parts.findIndex((part) => typeof part === 'string' && part.endsWith('\nPI_CDK_DATABASE_INSTANCE='));
    expect(parts[at + 1]).toEqual({ Ref: dbId });
  });

  test('cdk-nag is told why StorageEncrypted is absent', () => {
    const db = only(restored, 'AWS::RDS::DBInstance');
    expect(db.Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).toContain('AwsSolutions-RDS2');
    expect(only(fresh, 'AWS::RDS::DBInstance').Metadata.cdk_nag.rules_to_suppress.map((r: any) => r.id)).not.toContain('AwsSolutions-RDS2');
  });
});

describe('the major-only engine version', () => {
  /** Everything synthesis writes to the console or stderr. */
  function synthOutput(build: (stack: Stack) => void): string {
    const lines: string[] = [];
    const spies = (['log', 'warn', 'error', 'info'] as const).map((k) => jest.spyOn(console, k).mockImplementation((...a) => { lines.push(a.join(' ')); }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { lines.push(String(chunk)); return true; });
    try {
      const app = new App();
      build(new Stack(app, 'Quiet', { env: { account: '123456789012', region: 'eu-west-2' } }));
      app.synth();
    } finally {
      spies.forEach((s) => s.mockRestore());
      stderr.mockRestore();
    }
    return lines.join('\n');
  }

  // aws-cdk-lib checks templates against CloudFormation's schema at synthesis from 2.262.0 on;
  // from 2.278.0 on it accepts a major-only EngineVersion, so there is nothing to acknowledge.
  const testWithTemplateValidation = testFromCdk('2.262.0', 'aws-cdk-lib\'s warning E9006 on a major-only EngineVersion', '2.278.0');

  testWithTemplateValidation('aws-cdk-lib\'s template validation warning about it is acknowledged on the instance only', () => {
    // The same property on a resource of its own is reported: the check is live.
    const plain = synthOutput((stack) => {
      new CfnResource(stack, 'Plain', { type: 'AWS::RDS::DBInstance', properties: { Engine: 'mariadb', EngineVersion: '10.11', DBInstanceClass: 'db.t3.micro' } });
    });
    expect(plain).toMatch(/EngineVersion: '10\.11' is not one of/);
    const ours = synthOutput((stack) => new PanintelligenceDashboard(stack, 'Dashboard', baseProps(stack)));
    expect(ours).not.toMatch(/EngineVersion/);
    expect(ours).not.toMatch(/E9006/);
  });
});
