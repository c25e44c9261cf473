import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { only, synth } from './util';

function rotationSecurityGroup(template: Template): string {
  const app = only(template, 'AWS::Serverless::Application');
  return app.Properties.Parameters.vpcSecurityGroupIds['Fn::GetAtt'][0];
}

describe('database, default', () => {
  const { template, stack, dashboard } = synth();

  test('MariaDB 10.11, encrypted, multi-AZ, private, with 7 days of backups', () => {
    const db = only(template, 'AWS::RDS::DBInstance');
    expect(db.Properties).toMatchObject({
      Engine: 'mariadb',
      EngineVersion: '10.11.16',
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
  });

  test('isolated subnets only', () => {
    const group = only(template, 'AWS::RDS::DBSubnetGroup');
    expect(JSON.stringify(group.Properties.SubnetIds)).toContain('IsolatedSubnet');
    expect(JSON.stringify(group.Properties.SubnetIds)).not.toContain('PrivateSubnet');
  });

  test('credentials are generated into Secrets Manager without characters an env file would misread', () => {
    const secret = only(template, 'AWS::SecretsManager::Secret');
    const exclude: string = secret.Properties.GenerateSecretString.ExcludeCharacters;
    for (const c of [' ', '"', '\'', '\\', '$', '#', '=', '&', '`']) {
      expect(exclude).toContain(c);
    }
    expect(stack.resolve(dashboard.databaseSecret.secretArn)).toEqual({ Ref: expect.stringMatching(/DatabaseInstanceSecretAttachment/) });
  });

  test('rotation every 30 days, by a function that reaches the database and the Secrets Manager endpoint', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    const app = only(template, 'AWS::Serverless::Application');
    expect(app.Properties.Parameters.excludeCharacters).toBe(only(template, 'AWS::SecretsManager::Secret').Properties.GenerateSecretString.ExcludeCharacters);
    expect(JSON.stringify(app.Properties.Parameters.vpcSubnetIds)).toContain('PrivateSubnet');
    const rotationSg = rotationSecurityGroup(template);
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
    expect(JSON.stringify(app.Properties.Parameters.endpoint)).toContain('SecretsManagerEndpoint');
  });

  test('a successful rotation of this secret starts an instance refresh that keeps full capacity', () => {
    const rule = only(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      'detail': {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationSucceeded'],
        additionalEventData: { SecretId: [{ Ref: expect.stringMatching(/DatabaseInstanceSecretAttachment/) }] },
      },
    });
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: machineId } })]);

    const machine = only(template, 'AWS::StepFunctions::StateMachine');
    const [, parts] = machine.Properties.DefinitionString['Fn::Join'];
    const definition = JSON.parse(parts.map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
    const task = Object.values(definition.States)[0] as any;
    expect(task.Resource).toContain(':states:::aws-sdk:autoscaling:startInstanceRefresh');
    expect(task.Parameters.Preferences).toEqual({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 600 });
    expect(task.Retry[0].ErrorEquals).toEqual(['AutoScaling.InstanceRefreshInProgressException']);
  });

  test('the state machine may start a refresh of this group only, and events may start only this machine', () => {
    const asgId = Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const refresh = policies.flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Action === 'autoscaling:StartInstanceRefresh');
    expect(refresh).toHaveLength(1);
    expect(JSON.stringify(refresh[0].Resource)).toContain(asgId);
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } }] },
    });
  });

  test('the state machine logs to a group with bounded retention and is traced', () => {
    const machine = only(template, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const groupId = machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[groupId].Properties.RetentionInDays).toBe(90);
  });
});

describe('database, options', () => {
  test('instance type, storage, single-AZ, backup retention and rotation period are honoured', () => {
    const { template } = synth(() => ({
      databaseInstanceType: new ec2.InstanceType('m6g.large'),
      databaseAllocatedStorage: 100,
      databaseMultiAz: false,
      databaseBackupRetention: Duration.days(14),
      secretRotation: Duration.days(7),
    }));
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.m6g.large', AllocatedStorage: '100', MultiAZ: false, BackupRetentionPeriod: 14,
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });
  });

  test('removalPolicy RETAIN keeps the database; DESTROY deletes everything and lifts deletion protection', () => {
    const retained = synth(() => ({ removalPolicy: RemovalPolicy.RETAIN })).template;
    expect(only(retained, 'AWS::RDS::DBInstance').DeletionPolicy).toBe('Retain');
    const destroyed = synth(() => ({ removalPolicy: RemovalPolicy.DESTROY })).template;
    const db = only(destroyed, 'AWS::RDS::DBInstance');
    expect(db.DeletionPolicy).toBe('Delete');
    expect(db.Properties.DeletionProtection).toBe(false);
    expect(only(destroyed, 'AWS::EFS::FileSystem').DeletionPolicy).toBe('Delete');
  });

  test('removalPolicy SNAPSHOT applies to the database; the file system and bucket are retained', () => {
    const { template } = synth(() => ({ removalPolicy: RemovalPolicy.SNAPSHOT }));
    expect(only(template, 'AWS::RDS::DBInstance').DeletionPolicy).toBe('Snapshot');
    expect(only(template, 'AWS::EFS::FileSystem').DeletionPolicy).toBe('Retain');
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ VersioningConfiguration: Match.anyValue() }) });
  });

  test('the file system is encrypted, kept by default and mounted in each private subnet', () => {
    const { template } = synth();
    const fs = only(template, 'AWS::EFS::FileSystem');
    expect(fs.Properties.Encrypted).toBe(true);
    expect(fs.DeletionPolicy).toBe('Retain');
    template.resourceCountIs('AWS::EFS::MountTarget', 2);
  });
});
