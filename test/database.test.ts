import { App, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PanintelligenceDashboard } from '../src';
import { baseProps, only, synth } from './util';

/** The logical id of the one resource of `type` whose id matches `pattern`. */
function idOf(template: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} matching ${pattern}, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0];
}

function resource(template: Template, id: string): any {
  return template.toJSON().Resources[id];
}

const MASTER = /DatabaseInstanceSecretAttachment/;
const APP = /DatabaseAppSecretAttachment/;

/** The rotation application of the secret attachment matching `secret`, and its schedule. */
function rotationOf(template: Template, secret: RegExp) {
  const secretId = idOf(template, 'AWS::SecretsManager::SecretTargetAttachment', secret);
  const [[scheduleId, schedule]] = Object.entries(template.findResources('AWS::SecretsManager::RotationSchedule', {
    Properties: { SecretId: { Ref: secretId } },
  })) as Array<[string, any]>;
  const appId = schedule.Properties.RotationLambdaARN['Fn::GetAtt'][0];
  const application = resource(template, appId);
  const [mapping] = application.Properties.Location.ApplicationId['Fn::FindInMap'];
  const applicationName = template.toJSON().Mappings[mapping].aws.applicationId.split('/').pop();
  return { secretId, scheduleId, schedule, application, applicationName };
}

/** The state machine's definition with every token replaced by 'TOKEN'. */
function definitionOf(template: Template): any {
  const machine = only(template, 'AWS::StepFunctions::StateMachine');
  const [, parts] = machine.Properties.DefinitionString['Fn::Join'];
  return JSON.parse(parts.map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
}

/** References to the stack's subnets of one type ('Public', 'Private' or 'Isolated'). */
function subnetRefs(template: Template, type: string): Array<{ Ref: string }> {
  return Object.entries(template.findResources('AWS::EC2::Subnet'))
    .filter(([, s]) => (s as any).Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === type))
    .map(([id]) => ({ Ref: id }));
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
      DeletionProtection: true,
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
    const isolated = subnetRefs(template, 'Isolated');
    expect(isolated).toHaveLength(2);
    expect(group.Properties.SubnetIds).toHaveLength(isolated.length);
    expect(group.Properties.SubnetIds).toEqual(expect.arrayContaining(isolated));
  });

  test('two secrets: the master user and the app user, whose secret names the master secret; both ask rotation for TLS', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as any[];
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
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret')) as any[]) {
      const exclude: string = secret.Properties.GenerateSecretString.ExcludeCharacters;
      for (const c of [' ', '"', '\'', '\\', '$', '#', '=', '&', '`']) {
        expect(exclude).toContain(c);
      }
    }
  });

  test('the master secret rotates in place, the app secret with alternating users, every 30 days', () => {
    const master = rotationOf(template, MASTER);
    expect(master.applicationName).toBe('SecretsManagerRDSMariaDBRotationSingleUser');
    expect(master.schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    const app = rotationOf(template, APP);
    expect(app.applicationName).toBe('SecretsManagerRDSMariaDBRotationMultiUser');
    expect(app.schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    expect(app.application.Properties.Parameters.masterSecretArn).toEqual({ Ref: master.secretId });
    const exclude = (Object.values(template.findResources('AWS::SecretsManager::Secret'))[0] as any).Properties.GenerateSecretString.ExcludeCharacters;
    for (const { application } of [master, app]) {
      expect(application.Properties.Parameters.excludeCharacters).toBe(exclude);
      expect(application.Properties.Parameters.vpcSubnetIds).toEqual({ 'Fn::Join': ['', expect.arrayContaining(subnetRefs(template, 'Private'))] });
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
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))[0] as any;
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    for (const secret of [MASTER, APP]) {
      expect(rotationOf(template, secret).application.Properties.Parameters.endpoint).toEqual({
        'Fn::Join': ['', ['https://secretsmanager.eu-west-2.', { Ref: 'AWS::URLSuffix' }]],
      });
    }
  });

  test('the rotation functions reach the database and the Secrets Manager endpoint', () => {
    const rotationSg = rotationOf(template, APP).application.Properties.Parameters.vpcSecurityGroupIds['Fn::GetAtt'][0];
    expect(rotationOf(template, MASTER).application.Properties.Parameters.vpcSecurityGroupIds['Fn::GetAtt'][0]).toBe(rotationSg);
    const db = only(template, 'AWS::RDS::DBInstance');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: db.Properties.VPCSecurityGroups[0],
      FromPort: { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint.Port'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [rotationSg, 'GroupId'] },
    });
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))[0] as any;
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
    });
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').DependsOn).toContain(userId);
    // The provider framework invokes the handler, which runs the bundled code in the VPC.
    const handlerId = idOf(template, 'AWS::Lambda::Function', /DatabaseProvisioningFunction/);
    const handler = resource(template, handlerId);
    expect(handler.Properties.Handler).toBe('index.handler');
    expect(handler.Properties.Runtime).toBe('nodejs24.x');
    expect(handler.Properties.VpcConfig.SubnetIds).toEqual(expect.arrayContaining(subnetRefs(template, 'Private')));
    const framework = resource(template, idOf(template, 'AWS::Lambda::Function', /ProvisioningProviderframeworkonEvent/));
    expect(framework.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [handlerId, 'Arn'] });
  });

  test('the provisioning function reaches only MariaDB and the Secrets Manager endpoint, and they are open before it runs', () => {
    const sgId = idOf(template, 'AWS::EC2::SecurityGroup', /DatabaseProvisioningSecurityGroup/);
    const handler = resource(template, idOf(template, 'AWS::Lambda::Function', /DatabaseProvisioningFunction/));
    expect(handler.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
    // No inline egress: CloudFormation drops the group's default allow-all rule once the first
    // separate egress rule below is added.
    expect(resource(template, sgId).Properties.SecurityGroupEgress).toBeUndefined();
    const egress = Object.entries(template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } },
    })) as Array<[string, any]>;
    const db = only(template, 'AWS::RDS::DBInstance');
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))[0] as any;
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
    const reads = (role: RegExp) => (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .filter((p) => p.Properties.Roles.some((r: any) => role.test(r.Ref)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [].concat(s.Action).includes('secretsmanager:GetSecretValue' as never))
      .map((s: any) => s.Resource.Ref);
    expect(reads(/DatabaseProvisioningRole/).sort()).toEqual([app, master].sort());
    expect(reads(/FleetRole/)).toEqual([app]);
    // And nothing else the instances may do names the master secret.
    const fleetPolicies = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .filter((p) => p.Properties.Roles.some((r: any) => /FleetRole/.test(r.Ref)));
    const fleetResources = fleetPolicies.flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((st: any) => [].concat(st.Resource));
    expect(fleetResources).not.toContainEqual({ Ref: master });
  });

  test('a successful rotation of the app secret starts an instance refresh that keeps full capacity', () => {
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
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: machineId } })]);

    const definition = definitionOf(template);
    const start = definition.States[definition.StartAt];
    expect(start.Resource).toContain(':states:::aws-sdk:autoscaling:startInstanceRefresh');
    expect(start.Parameters.Preferences).toEqual({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 600 });
    expect(start.Retry[0].ErrorEquals).toEqual(['AutoScaling.InstanceRefreshInProgressException']);
  });

  test('the state machine waits for the refresh\'s outcome and fails when it does not succeed', () => {
    const { States: states, StartAt: startAt } = definitionOf(template);
    const start = states[startAt];
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
    expect(running.Or.map((c: any) => c.StringEquals).sort()).toEqual(['Baking', 'Cancelling', 'InProgress', 'Pending', 'RollbackInProgress']);
    expect(running.Next).toBe(start.Next);
    expect(states[choice.Default]).toMatchObject({ Type: 'Fail', Error: 'InstanceRefreshFailed' });
  });

  test('the state machine may refresh and describe this group only, and events may start only this machine', () => {
    const asgId = Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as any[]).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const refresh = statements.filter((s: any) => s.Action === 'autoscaling:StartInstanceRefresh');
    expect(refresh).toHaveLength(1);
    expect(refresh[0].Resource).toEqual({ 'Fn::Join': ['', expect.arrayContaining([{ Ref: asgId }])] });
    expect(statements.filter((s: any) => s.Action === 'autoscaling:DescribeInstanceRefreshes')).toEqual([
      expect.objectContaining({ Resource: '*' }),
    ]);
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } }] },
    });
  });

  test('the state machine logs to a vended-logs group, unique to the stack and construct, with bounded retention', () => {
    const machine = only(template, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const groupId = machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
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
    const names = (Object.values(Template.fromStack(two).findResources('AWS::Logs::LogGroup')) as any[])
      .map((g) => g.Properties.LogGroupName?.['Fn::Join']?.[1]?.[0])
      .filter((n) => typeof n === 'string' && n.startsWith('/aws/vendedlogs/'));
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  test('without an alarm topic there is nothing to notify', () => {
    expect(Object.keys(template.findResources('AWS::Events::Rule')).filter((id) => /RotationFailed|RefreshFailed/.test(id))).toEqual([]);
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
    expect(rotationOf(template, APP).schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(7 days)' });
    expect(rotationOf(template, MASTER).schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(90 days)' });
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
    expect(db.Properties.DeletionProtection).toBe(true);
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

  test('aws-cdk-lib\'s template validation warning about it is acknowledged on the instance only', () => {
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
