import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PanintelligenceDashboard } from '../src';
import { baseProps, only, synth, Synthesized } from './util';

describe('public members', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synth();
  });
  /** The logical id of the one resource of `type`. */
  const idOf = (type: string) => {
    const ids = Object.keys(synthesized.template.findResources(type));
    expect(ids).toHaveLength(1);
    return ids[0];
  };

  test('each member is the resource of its tier', () => {
    const { dashboard, stack, template } = synthesized;
    expect(stack.resolve(dashboard.loadBalancer.loadBalancerArn)).toEqual({ Ref: idOf('AWS::ElasticLoadBalancingV2::LoadBalancer') });
    expect(stack.resolve(dashboard.autoScalingGroup.autoScalingGroupName)).toEqual({ Ref: idOf('AWS::AutoScaling::AutoScalingGroup') });
    expect(stack.resolve(dashboard.database.instanceIdentifier)).toEqual({ Ref: idOf('AWS::RDS::DBInstance') });
    expect(stack.resolve(dashboard.fileSystem.fileSystemId)).toEqual({ Ref: idOf('AWS::EFS::FileSystem') });
    expect(stack.resolve(dashboard.vpc.vpcId)).toEqual({ Ref: idOf('AWS::EC2::VPC') });
    expect(stack.resolve(dashboard.syncFunction.functionName)).toEqual({ Ref: expect.stringMatching(/^DashboardFileSync/) });
    expect(stack.resolve(dashboard.bucket.bucketName)).toEqual({ Ref: expect.stringMatching(/^DashboardFileSync/) });
    const listener = Object.entries(template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 443 } }))[0][0];
    expect(stack.resolve(dashboard.httpsListener.listenerArn)).toEqual({ Ref: listener });
  });

  test('connections are those of the instances, so data sources can admit them', () => {
    const app = new App();
    const own = new Stack(app, 'Own', { env: { account: '123456789012', region: 'eu-west-2' } });
    const mine = new PanintelligenceDashboard(own, 'Dashboard', baseProps(own));
    const warehouse = new ec2.SecurityGroup(own, 'Warehouse', { vpc: mine.vpc });
    warehouse.connections.allowFrom(mine, ec2.Port.tcp(5432));
    const t = Template.fromStack(own);
    const fleetSg = only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.SecurityGroupIds[0];
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, SourceSecurityGroupId: fleetSg });
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { FromPort: 5432, GroupId: fleetSg });
  });

  test('grants reach the role the instances run as', () => {
    const app = new App();
    const own = new Stack(app, 'Own', { env: { account: '123456789012', region: 'eu-west-2' } });
    const mine = new PanintelligenceDashboard(own, 'Dashboard', baseProps(own));
    const reports = new s3.Bucket(own, 'Reports');
    reports.grantRead(mine);
    const t = Template.fromStack(own);
    const profile = only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.IamInstanceProfile.Arn['Fn::GetAtt'][0];
    const instanceRole = t.toJSON().Resources[profile].Properties.Roles[0];
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [instanceRole],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']), Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Reports'), 'Arn'] }]) })]) },
    });
  });
});

describe('outputs', () => {
  test('URL, load balancer DNS name, bucket and secret ARN by default', () => {
    const { template } = synth();
    const outputs = template.toJSON().Outputs;
    const byDescription = Object.fromEntries(Object.values(outputs).map((o: any) => [o.Description, o.Value]));
    expect(byDescription['HTTPS URL of the Panintelligence dashboard']).toBe('https://bi.example.com/pi/');
    expect(Object.keys(outputs).map((k) => k.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'DashboardBackupRestoreRoleArn', 'DashboardDashboardUrl', 'DashboardDatabaseSecretArn', 'DashboardLoadBalancerDnsName', 'DashboardUploadsBucketName',
    ]);
  });

  test('outputs: false leaves them out', () => {
    const { template } = synth(() => ({ outputs: false }));
    expect(template.toJSON().Outputs ?? {}).toEqual({});
  });
});

describe('side by side', () => {
  test('two dashboards in one stack, and in two stacks, synthesize', () => {
    const app = new App();
    const stack = new Stack(app, 'Both', { env: { account: '123456789012', region: 'eu-west-2' } });
    new PanintelligenceDashboard(stack, 'Sales', baseProps(stack));
    const other = new Stack(app, 'Other', { env: { account: '123456789012', region: 'eu-west-2' } });
    new PanintelligenceDashboard(other, 'Dashboard', baseProps(other));
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(stack).resourceCountIs('AWS::RDS::DBInstance', 1);
  });

  test('no resource has a fixed physical name', () => {
    const { template } = synth();
    const nameKeys = /^(BucketName|FunctionName|DBInstanceIdentifier|DBSubnetGroupName|LogGroupName|QueueName|TopicName|RoleName|GroupName|Name|TableName|StateMachineName|DashboardName|AlarmName|SecretName|LoadBalancerName|TargetGroupName|AutoScalingGroupName|LaunchTemplateName|BackupVaultName|BackupPlanName|DBParameterGroupName|FileSystemName)$/;
    const fixed: string[] = [];
    for (const [id, resource] of Object.entries(template.toJSON().Resources) as Array<[string, any]>) {
      for (const [key, value] of Object.entries(resource.Properties ?? {})) {
        // Names CDK generates from the stack name and construct path are unique per stack.
        const generated = typeof value === 'string' && /^Test[A-Za-z0-9]*[0-9A-F]{8}$/.test(value);
        if (nameKeys.test(key) && typeof value === 'string' && !generated && resource.Type !== 'AWS::Route53::RecordSet') {
          fixed.push(`${id}.${key}=${value}`);
        }
      }
    }
    expect(fixed).toEqual([]);
  });
});

describe('functions in the VPC', () => {
  /** Logical ids of the functions without a VpcConfig. */
  const outsideVpc = (template: Template) => Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([, fn]) => !(fn as any).Properties.VpcConfig)
    .map(([id]) => id)
    .sort();

  test('every function of the library and of the custom resources\' providers runs in the VPC; only aws-cdk-lib\'s stack-wide helpers do not', () => {
    const { template } = synth();
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).length).toBeGreaterThan(8);
    expect(outsideVpc(template)).toEqual([
      expect.stringMatching(/^BucketNotificationsHandler[0-9a-f]{32}/),
      expect.stringMatching(/^LogRetention[0-9a-f]{32}/),
    ]);
  });

  test('the providers use their handler\'s subnets and security groups', () => {
    const { template } = synth();
    const functions = template.findResources('AWS::Lambda::Function');
    const [provisioning] = Object.entries(functions).find(([id]) => /DatabaseProvisioningFunction/.test(id))!;
    const [provider] = Object.entries(functions).find(([id]) => /DatabaseProvisioningProviderframeworkonEvent/.test(id))!;
    expect((functions[provider] as any).Properties.VpcConfig).toEqual((functions[provisioning] as any).Properties.VpcConfig);
  });

  test('the fleet check runs in the fleet\'s subnets, HTTPS out only, admitted by the Secrets Manager endpoint', () => {
    const { template } = synth();
    const functions = template.findResources('AWS::Lambda::Function');
    const [, check] = Object.entries(functions).find(([id]) => /DatabaseFleetCheck[0-9A-F]{8}$/.test(id))!;
    const [groupId] = (check as any).Properties.VpcConfig.SecurityGroupIds.map((g: any) => g['Fn::GetAtt'][0]);
    expect(template.toJSON().Resources[groupId].Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
    });
  });

  test('with isolated fleet subnets the fleet check stays outside the VPC, where it reaches the AWS APIs without endpoints', () => {
    const { template } = synth((s) => ({
      vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-2a', 'eu-west-2b'],
        publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
        isolatedSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
      }),
      fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      secretsManagerEndpoint: true,
    }));
    expect(outsideVpc(template)).toEqual([
      expect.stringMatching(/^BucketNotificationsHandler/),
      expect.stringMatching(/^DashboardDatabaseFleetCheck[0-9A-F]{8}$/),
      expect.stringMatching(/^LogRetention/),
    ]);
  });
});
