import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PanintelligenceDashboard, UpgradeMode } from '../src';
import {
  actionsOf, refId, resourceById, resourcesOf, securityGroupOf, statementsOf, subnetsOfKind,
} from './template';
import { baseProps, only, synth } from './util';

/** Ids of the security groups of each tier, found through the resources that use them. */
function securityGroups(template: Template) {
  const r = template.toJSON().Resources;
  return {
    fleet: securityGroupOf(template, 'AWS::EC2::LaunchTemplate'),
    lb: securityGroupOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer'),
    db: securityGroupOf(template, 'AWS::RDS::DBInstance'),
    efs: securityGroupOf(template, 'AWS::EFS::MountTarget'),
    resources: r,
  };
}

describe('fleet, default', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = synth());
  });

  test('launch template: t3a.medium, IMDSv2 only, encrypted 15 GiB gp3 root on /dev/sda1, no key pair', () => {
    const lt = only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt.InstanceType).toBe('t3a.medium');
    expect(lt.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(lt.BlockDeviceMappings).toEqual([{
      DeviceName: '/dev/sda1',
      Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 15, VolumeType: 'gp3' },
    }]);
    expect(lt.KeyName).toBeUndefined();
    expect(lt.IamInstanceProfile).toBeDefined();
    expect(lt.ImageId).toBe('ami-0123456789abcdef0');
  });

  test('Auto Scaling group: 1 to 5 instances in both private subnets, ELB health checks with a boot-long grace', () => {
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties).toMatchObject({ MinSize: '1', MaxSize: '5', HealthCheckType: 'ELB', HealthCheckGracePeriod: 600 });
    expect(asg.Properties.DesiredCapacity).toBeUndefined();
    expect(asg.Properties.VPCZoneIdentifier).toHaveLength(2);
    expect(asg.Properties.VPCZoneIdentifier).toEqual(expect.arrayContaining(subnetsOfKind(template, 'Private')));
    expect(asg.Properties.TargetGroupARNs).toHaveLength(1);
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 1, MinInstancesInService: 1 });
  });

  test('the group names the zones of its subnets, one each', () => {
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    const zones = subnetsOfKind(template, 'Private').map(({ Ref }) => (template.toJSON().Resources[Ref] as any).Properties.AvailabilityZone);
    expect(asg.Properties.AvailabilityZones).toEqual(zones);
    expect(new Set(zones).size).toBe(2);
  });

  test('CPU step scaling adds an instance at 70 % and removes one at 20 %', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Threshold: 70, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Threshold: 20, ComparisonOperator: 'LessThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [Match.objectLike({ ScalingAdjustment: 1 })],
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [Match.objectLike({ ScalingAdjustment: -1 })],
    });
  });

  test('the instance role has Session Manager and reads only the app\'s database secret', () => {
    const [, role] = fleetRole(template);
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
    ]);
    // No managed policy: AmazonSSMManagedInstanceCore would let it read every parameter of the account.
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toEqual([{
      PolicyName: 'session-manager',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Action: [
            'ssm:UpdateInstanceInformation',
            'ssmmessages:CreateControlChannel',
            'ssmmessages:CreateDataChannel',
            'ssmmessages:OpenControlChannel',
            'ssmmessages:OpenDataChannel',
          ],
          Resource: '*',
        }],
      },
    }]);
    const allStatements = [
      ...Object.values(template.findResources('AWS::IAM::Policy')).map((p: any) => p.Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p: any) => p.Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r: any) => (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument)),
    ].flatMap((doc: any) => doc.Statement);
    expect(allStatements.flatMap((st: any) => [].concat(st.Action))).not.toContain('secretsmanager:ListSecrets');
    const fleetPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) =>
      p.Properties.Roles.some((r: any) => /FleetRole/.test(r.Ref))) as any[];
    const statements = fleetPolicies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const secretReads = statements.filter((s) => [].concat(s.Action).includes('secretsmanager:GetSecretValue' as never));
    expect(secretReads).toHaveLength(1);
    const appSecret = Object.keys(template.findResources('AWS::SecretsManager::SecretTargetAttachment')).filter((id) => /DatabaseAppSecretAttachment/.test(id));
    expect(appSecret).toHaveLength(1);
    expect(secretReads[0].Resource).toEqual({ Ref: appSecret[0] });
  });

  test('no statement lets the instances read Systems Manager parameters, run documents or read other secrets', () => {
    const statements = fleetStatements(template);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    const allowed = (action: string) => statements.filter((s) => s.Effect === 'Allow'
      && [].concat(s.Action).some((pattern: string) => wildcardMatch(pattern, action)));
    for (const action of ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory',
      'ssm:SendCommand', 'ssm:GetDocument', 'ec2messages:GetMessages', 'secretsmanager:ListSecrets', 'kms:Decrypt']) {
      expect([action, allowed(action)]).toEqual([action, []]);
    }
    // Every statement with a wildcard resource is the Session Manager one.
    const anyResource = statements.filter((s) => [].concat(s.Resource).some((r: unknown) => typeof r === 'string' && r.includes('*')));
    expect(anyResource.flatMap((s) => [].concat(s.Action)).every((a: string) => /^(ssm:UpdateInstanceInformation|ssmmessages:)/.test(a))).toBe(true);
  });

  test('security groups: 8224 only from the load balancer; out only to MariaDB, NFS and HTTP(S)', () => {
    const sg = securityGroups(template);
    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [sg.fleet, 'GroupId'] } } });
    expect(ingress.map(([, i]) => [i.Properties.FromPort, refId(i.Properties.SourceSecurityGroupId)])).toEqual([[8224, sg.lb]]);
    expect(sg.resources[sg.fleet].Properties.SecurityGroupIngress).toBeUndefined();

    const inline = (resourceById(template, sg.fleet).Properties.SecurityGroupEgress as Array<{ CidrIp: string; FromPort: number }>)
      .map((e) => [e.CidrIp, e.FromPort]).sort();
    expect(inline).toEqual([['0.0.0.0/0', 443], ['0.0.0.0/0', 80]]);
    const egress = resourcesOf(template, 'AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: { 'Fn::GetAtt': [sg.fleet, 'GroupId'] } } });
    const targets = egress.map(([, e]) => [e.Properties.FromPort, refId(e.Properties.DestinationSecurityGroupId)]).sort();
    expect(targets).toContainEqual([3306, sg.db]);
    expect(targets).toContainEqual([2049, sg.efs]);
  });

  test('the database and the file system admit the fleet on their ports', () => {
    const sg = securityGroups(template);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [sg.db, 'GroupId'] },
      FromPort: 3306,
      ToPort: 3306,
      SourceSecurityGroupId: { 'Fn::GetAtt': [sg.fleet, 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [sg.efs, 'GroupId'] },
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: { 'Fn::GetAtt': [sg.fleet, 'GroupId'] },
    });
    // Nothing reaches the database or the file system from a CIDR range.
    expect(sg.resources[sg.db].Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.resources[sg.efs].Properties.SecurityGroupIngress).toBeUndefined();
  });
});

describe('fleet, options', () => {
  test('instance type, CPU credits, volume, capacity, thresholds and grace period are honoured', () => {
    const { template } = synth(() => ({
      instanceType: new ec2.InstanceType('m6a.large'),
      cpuCredits: ec2.CpuCredits.STANDARD,
      volumeType: ec2.EbsDeviceVolumeType.GP2,
      volumeSize: 40,
      minCapacity: 2,
      maxCapacity: 4,
      desiredCapacity: 3,
      scaleOutCpuPercent: 60,
      scaleInCpuPercent: 30,
      startupTimeout: Duration.minutes(15),
    }));
    const lt = only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt.InstanceType).toBe('m6a.large');
    expect(lt.CreditSpecification).toEqual({ CpuCredits: 'standard' });
    expect(lt.BlockDeviceMappings[0].Ebs).toMatchObject({ VolumeSize: 40, VolumeType: 'gp2', Encrypted: true });
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties).toMatchObject({ MinSize: '2', MaxSize: '4', DesiredCapacity: '3', HealthCheckGracePeriod: 900 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CPUUtilization', Threshold: 60 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CPUUtilization', Threshold: 30 });
  });

  test('a key pair is put on the launch template', () => {
    const { template } = synth((s) => ({ keyPair: ec2.KeyPair.fromKeyPairName(s, 'Key', 'ops-key') }));
    expect(only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.KeyName).toBe('ops-key');
  });

  test('the licence secret is readable by the instances and its value never appears', () => {
    const { template } = synth((s) => ({
      licence: secretsmanager.Secret.fromSecretCompleteArn(s, 'Licence',
        'arn:aws:secretsmanager:eu-west-2:123456789012:secret:pi-licence-AbCdEf'),
    }));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:pi-licence-AbCdEf',
        })]),
      },
    });
    const userData = JSON.stringify(only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toContain('arn:aws:secretsmanager:eu-west-2:123456789012:secret:pi-licence-AbCdEf');
    expect(Object.keys(template.toJSON().Parameters ?? {}).filter((p) => /licen/i.test(p))).toEqual([]);
  });

  test('scaling notifications go to the alarm topic when one is given', () => {
    const { template } = synth((s: Stack) => ({ alarmTopic: new sns.Topic(s, 'Alarms') }));
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties.NotificationConfigurations).toHaveLength(1);
  });

  test('user data carries the file system, the secret ARN and the public host, not secrets', () => {
    const { template } = synth();
    const userData = JSON.stringify(only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toMatch(/StorageFileSystem[0-9A-F]{8}/);
    expect(userData).toContain('DatabaseAppSecretAttachment');
    expect(userData).toContain('bi.example.com');
    expect(userData).not.toContain('{{resolve:secretsmanager');
  });
});

/** The instance role: the one role EC2 may assume. */
function fleetRole(template: Template): [string, any] {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]: [string, any]) =>
    r.Properties.AssumeRolePolicyDocument.Statement.some((s: any) => s.Principal?.Service === 'ec2.amazonaws.com'));
  expect(roles).toHaveLength(1);
  return roles[0];
}

/** Every statement that applies to the instance role: inline, attached policies and managed policies. */
function fleetStatements(template: Template): any[] {
  const [id, role] = fleetRole(template);
  const attached = (p: any) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === id);
  return [
    ...(role.Properties.Policies ?? []).map((p: any) => p.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::Policy')).filter(attached).map((p: any) => p.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter(attached).map((p: any) => p.Properties.PolicyDocument),
    // An AWS managed policy is not in the template: it counts as allowing anything.
    ...(role.Properties.ManagedPolicyArns ?? []).map(() => ({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })),
  ].flatMap((doc: any) => doc.Statement);
}

/** Whether an IAM action pattern (`*` and `?` wildcards, case-insensitive) matches `action`. */
function wildcardMatch(pattern: string, action: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/** The user data's Fn::Join parts with the rendered config's lines among them. */
function configLines(template: Template): string[] {
  const userData = only(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData['Fn::Base64'];
  const parts = userData['Fn::Join'][1] as any[];
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
  const lines = text.split('\n');
  return lines.slice(lines.indexOf("(umask 077 && cat >/etc/panintelligence/cdk.env) <<'PI_CDK_ENV'") + 1, lines.indexOf('PI_CDK_ENV'));
}

describe('rollouts gated on the instances\' health', () => {
  test('stack creation waits for a signal from each initial instance, within the boot budget', () => {
    const { template } = synth();
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT10M' } });
  });

  test('a launch template change rolls one instance at a time, each waiting for its signal', () => {
    const { template } = synth();
    const rolling = only(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingRollingUpdate;
    // The boot budget (10 minutes) plus the drain time of the instance replaced (10 minutes).
    expect(rolling).toMatchObject({ MaxBatchSize: 1, MinInstancesInService: 1, WaitOnResourceSignals: true, PauseTime: 'PT20M' });
    // Every signal must be a success, or the update rolls back.
    expect(rolling.MinSuccessfulInstancesPercent).toBeUndefined();
  });

  test('one boot budget: grace period, warm-up, signal timeout, pause time and the script\'s deadline', () => {
    const { template } = synth(() => ({
      minCapacity: 2, maxCapacity: 6, desiredCapacity: 3, startupTimeout: Duration.minutes(15), drainTime: Duration.seconds(0),
    }));
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties).toMatchObject({ HealthCheckGracePeriod: 900, DefaultInstanceWarmup: 900 });
    expect(asg.CreationPolicy).toEqual({ ResourceSignal: { Count: 3, Timeout: 'PT15M' } });
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ WaitOnResourceSignals: true, PauseTime: 'PT15M', MinInstancesInService: 2 });
    const config = configLines(template);
    expect(config).toContain('PI_CDK_BOOT_BUDGET=900');
    expect(config).toContain('PI_CDK_BOOT_RESERVE=90');
  });

  test('each step of a rolling update also waits for the replaced instance to drain', () => {
    const pauseOf = (template: Template) => only(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingRollingUpdate.PauseTime;
    expect(pauseOf(synth(() => ({ startupTimeout: Duration.minutes(5), drainTime: Duration.minutes(7) })).template)).toBe('PT12M');
    // The drain time follows the idle timeout when it is not given.
    expect(pauseOf(synth(() => ({ idleTimeout: Duration.minutes(25) })).template)).toBe('PT35M');
  });

  test('the pause stops at CloudFormation\'s hour, with a warning naming both props', () => {
    const { stack, template } = synth(() => ({ startupTimeout: Duration.minutes(45), drainTime: Duration.minutes(30) }));
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingRollingUpdate.PauseTime).toBe('PT1H');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('rolloutPauseCapped'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringMatching(/startupTimeout \(45 minutes\) plus drainTime \(30 minutes\)/)]);
    expect(Annotations.fromStack(synth().stack).findWarning('*', Match.stringLikeRegexp('rolloutPauseCapped'))).toEqual([]);
  });

  test('the instance signals its own group in its own stack', () => {
    const { stack, dashboard, template } = synth();
    const asgId = stack.getLogicalId(dashboard.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup);
    const config = configLines(template);
    expect(config).toContain(`PI_CDK_SIGNAL_RESOURCE=${asgId}`);
    expect(config).toContain('PI_CDK_STACK_ID=<{"Ref":"AWS::StackId"}>');
  });

  test('the instance role may signal this stack only', () => {
    const { template } = synth();
    const statements = statementsOf(template).filter((s) => actionsOf(s).includes('cloudformation:SignalResource'));
    expect(statements).toEqual([{ Action: 'cloudformation:SignalResource', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } }]);
    const [[, policy]] = resourcesOf(template, 'AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'cloudformation:SignalResource' })]) } },
    });
    expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^DashboardFleetRole[0-9A-F]{8}$/) }]);
  });

  test.each([
    ['4 minutes 59 seconds', Duration.seconds(299)],
    ['61 minutes', Duration.minutes(61)],
    ['a fraction of a second', Duration.millis(600_500)],
  ])('refuses a boot budget (startupTimeout) of %s', (_, startupTimeout) => {
    expect(() => synth(() => ({ startupTimeout }))).toThrow(/startupTimeout must be whole seconds from 5 to 60 minutes/);
  });

  test('accepts the bounds of the boot budget', () => {
    expect(only(synth(() => ({ startupTimeout: Duration.minutes(5) })).template, 'AWS::AutoScaling::AutoScalingGroup').CreationPolicy.ResourceSignal.Timeout).toBe('PT5M');
    expect(only(synth(() => ({ startupTimeout: Duration.hours(1) })).template, 'AWS::AutoScaling::AutoScalingGroup').CreationPolicy.ResourceSignal.Timeout).toBe('PT1H');
  });
});

describe('upgrade mode', () => {
  /** Statements of the instance role's policies that read Auto Scaling groups. */
  const describeStatements = (template: Template) => (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [].concat(s.Action).some((a: string) => a.startsWith('autoscaling:DescribeAutoScaling')));

  test('ROLLING (the default): one at a time, one kept in service, no wait for the old version', () => {
    const { template } = synth(() => ({ upgradeMode: UpgradeMode.ROLLING }));
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({
      MaxBatchSize: 1, MinInstancesInService: 1, WaitOnResourceSignals: true, PauseTime: 'PT20M',
    });
    expect(configLines(template)).toContain('PI_CDK_EXCLUSIVE_UPGRADE=');
    expect(describeStatements(template)).toEqual([]);
    // It is the default.
    expect(synth().template.toJSON()).toEqual(template.toJSON());
  });

  test('EXCLUSIVE: every instance in one batch, none kept in service, each new one waiting for the old ones to leave', () => {
    const { template } = synth(() => ({ upgradeMode: UpgradeMode.EXCLUSIVE, maxCapacity: 7 }));
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    // The pause is the boot budget plus the old instances' drain (drainTime, 10 minutes) and shutdown (3 minutes).
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({
      MaxBatchSize: 7, MinInstancesInService: 0, WaitOnResourceSignals: true, PauseTime: 'PT23M',
    });
    // Still health-gated: every new instance must signal success, or the update rolls back.
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate.MinSuccessfulInstancesPercent).toBeUndefined();
    expect(asg.CreationPolicy.ResourceSignal.Timeout).toBe('PT23M');
    const config = configLines(template);
    expect(config).toContain('PI_CDK_EXCLUSIVE_UPGRADE=true');
    expect(config).toContain('PI_CDK_BOOT_BUDGET=1380');
    // Only the instance role may read which instance runs which version.
    const statements = describeStatements(template);
    expect(statements).toEqual([{
      Action: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeAutoScalingGroups'], Effect: 'Allow', Resource: '*',
    }]);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: statements[0].Action })]) } },
    })) as any[];
    expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^DashboardFleetRole[0-9A-F]{8}$/) }]);
  });

  test('the grace period stays the boot budget in both modes', () => {
    for (const upgradeMode of [UpgradeMode.ROLLING, UpgradeMode.EXCLUSIVE]) {
      expect(only(synth(() => ({ upgradeMode })).template, 'AWS::AutoScaling::AutoScalingGroup').Properties.HealthCheckGracePeriod).toBe(600);
    }
  });
});

describe('CPU step scaling without deprecated properties', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = synth());
  });

  function policyOf(threshold: number) {
    const [[, alarm]] = resourcesOf(template, 'AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Threshold: threshold },
    });
    const [policyId] = (alarm.Properties.AlarmActions as unknown[]).map(refId);
    return { alarm: alarm.Properties, policy: resourceById(template, policyId) };
  }

  test('at or above 70 % average CPU over 5 minutes, one instance is added', () => {
    const { alarm, policy } = policyOf(70);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, Period: 300, Statistic: 'Average' });
    expect(policy.Properties).toEqual({
      AutoScalingGroupName: { Ref: expect.stringMatching(/^DashboardFleetAutoScalingGroup/) },
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
      MetricAggregationType: 'Average',
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    });
  });

  test('at or below 20 %, one instance is removed', () => {
    const { alarm, policy } = policyOf(20);
    expect(alarm).toMatchObject({ ComparisonOperator: 'LessThanOrEqualToThreshold', EvaluationPeriods: 1, Period: 300 });
    expect(policy.Properties.StepAdjustments).toEqual([{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }]);
    expect(policy.Properties.Cooldown).toBeUndefined();
  });

  test('both scale the dashboard\'s own group', () => {
    const asgId = Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    for (const threshold of [70, 20]) {
      const { alarm, policy } = policyOf(threshold);
      expect(policy.Properties.AutoScalingGroupName).toEqual({ Ref: asgId });
      expect(alarm.Dimensions).toEqual([{ Name: 'AutoScalingGroupName', Value: { Ref: asgId } }]);
    }
  });
});

describe('quiet synth', () => {
  test('the default dashboard synthesizes without any warning, annotation or console output', () => {
    const printed: string[] = [];
    const spies = [
      jest.spyOn(console, 'warn').mockImplementation((...args) => void printed.push(args.join(' '))),
      jest.spyOn(console, 'error').mockImplementation((...args) => void printed.push(args.join(' '))),
      jest.spyOn(console, 'log').mockImplementation((...args) => void printed.push(args.join(' '))),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => (printed.push(String(chunk)), true)),
    ];
    const previous = process.env.JSII_DEPRECATED;
    // Deprecated API use then throws, wherever aws-cdk-lib would only have printed it.
    process.env.JSII_DEPRECATED = 'fail';
    try {
      const app = new App();
      const stack = new Stack(app, 'Quiet', { env: { account: '123456789012', region: 'eu-west-2' } });
      new PanintelligenceDashboard(stack, 'Dashboard', baseProps(stack));
      const assembly = app.synth();
      const messages = assembly.getStackByName('Quiet').messages.map((m) => `${m.level}: ${m.entry.data}`);
      expect(messages).toEqual([]);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
      Annotations.fromStack(stack).hasNoInfo('*', Match.anyValue());
    } finally {
      if (previous === undefined) {
        delete process.env.JSII_DEPRECATED;
      } else {
        process.env.JSII_DEPRECATED = previous;
      }
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(printed).toEqual([]);
  });
});
