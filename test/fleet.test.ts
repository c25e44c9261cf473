import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { only, synth } from './util';

/** Ids of the security groups of each tier, found through the resources that use them. */
function securityGroups(template: Template) {
  const r = template.toJSON().Resources;
  const first = (type: string) => Object.values(template.findResources(type))[0] as any;
  const lt = first('AWS::EC2::LaunchTemplate');
  return {
    fleet: lt.Properties.LaunchTemplateData.SecurityGroupIds[0]['Fn::GetAtt'][0] as string,
    lb: first('AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.SecurityGroups[0]['Fn::GetAtt'][0] as string,
    db: first('AWS::RDS::DBInstance').Properties.VPCSecurityGroups[0]['Fn::GetAtt'][0] as string,
    efs: first('AWS::EFS::MountTarget').Properties.SecurityGroups[0]['Fn::GetAtt'][0] as string,
    resources: r,
  };
}

describe('fleet, default', () => {
  const { template } = synth();

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
    expect(JSON.stringify(asg.Properties.VPCZoneIdentifier)).toContain('PrivateSubnet');
    expect(asg.Properties.TargetGroupARNs).toHaveLength(1);
    expect(asg.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 1, MinInstancesInService: 1 });
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
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('secretsmanager:ListSecrets');
    const fleetPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) =>
      JSON.stringify(p.Properties.Roles).includes('FleetRole')) as any[];
    const statements = fleetPolicies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const secretReads = statements.filter((s) => [].concat(s.Action).includes('secretsmanager:GetSecretValue' as never));
    expect(secretReads).toHaveLength(1);
    expect(JSON.stringify(secretReads[0].Resource)).toContain('DatabaseAppSecretAttachment');
  });

  test('security groups: 8224 only from the load balancer; out only to MariaDB, NFS and HTTP(S)', () => {
    const sg = securityGroups(template);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [sg.fleet, 'GroupId'] } },
    })) as any[];
    expect(ingress.map((i) => [i.Properties.FromPort, i.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]])).toEqual([[8224, sg.lb]]);
    expect(sg.resources[sg.fleet].Properties.SecurityGroupIngress).toBeUndefined();

    const inline = sg.resources[sg.fleet].Properties.SecurityGroupEgress.map((e: any) => [e.CidrIp, e.FromPort]).sort();
    expect(inline).toEqual([['0.0.0.0/0', 443], ['0.0.0.0/0', 80]]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: { 'Fn::GetAtt': [sg.fleet, 'GroupId'] } },
    })) as any[];
    const targets = egress.map((e) => [e.Properties.FromPort, e.Properties.DestinationSecurityGroupId['Fn::GetAtt'][0]]).sort();
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
      healthCheckGracePeriod: Duration.minutes(15),
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
