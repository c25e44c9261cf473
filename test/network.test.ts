import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { only, synth } from './util';

describe('network, default', () => {
  const { template } = synth();

  test('one VPC over two AZs with public, private and isolated subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    const types = subnets.map((s: any) => s.Properties.Tags.find((t: any) => t.Key === 'aws-cdk:subnet-type').Value).sort();
    expect(types).toEqual(['Isolated', 'Isolated', 'Private', 'Private', 'Public', 'Public']);
  });

  test('one NAT gateway by default', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('flow logs of all traffic go to a log group with bounded retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    const flowLog = only(template, 'AWS::EC2::FlowLog');
    const groupId = flowLog.Properties.LogGroupName.Ref;
    expect(template.toJSON().Resources[groupId].Properties.RetentionInDays).toBe(90);
  });

  test('S3 gateway endpoint and a Secrets Manager interface endpoint with private DNS', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.eu-west-2.secretsmanager',
      PrivateDnsEnabled: true,
    });
  });

  test('the Secrets Manager endpoint admits the fleet, the rotation functions and the user provisioning, not the VPC CIDR', () => {
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))[0] as any;
    const sgId = endpoint.Properties.SecurityGroupIds[0]['Fn::GetAtt'][0];
    const sg = template.toJSON().Resources[sgId];
    expect(sg.Properties.SecurityGroupIngress ?? []).toEqual([]);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } },
    })) as any[];
    expect(ingress.map((rule) => rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort()).toEqual([
      expect.stringMatching(/^DashboardDatabaseProvisioningSecurityGroup/),
      expect.stringMatching(/^DashboardDatabaseRotationSecurityGroup/),
      expect.stringMatching(/^DashboardFleetSecurityGroup/),
    ]);
    for (const rule of ingress) {
      expect(rule.Properties.FromPort).toBe(443);
      expect(rule.Properties.SourceSecurityGroupId).toBeDefined();
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
  });
});

describe('network, options', () => {
  test('natGateways: 2 gives one NAT gateway per AZ', () => {
    const { template } = synth(() => ({ natGateways: 2 }));
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('secretsManagerEndpoint: false leaves the endpoint out', () => {
    const { template } = synth(() => ({ secretsManagerEndpoint: false }));
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 0);
  });

  test('a given VPC is used as is: no VPC, NAT or endpoint is created', () => {
    const { template, dashboard, stack } = synth((s) => ({ vpc: givenVpc(s, true) }));
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(dashboard.vpc).toBe(stack.node.findChild('Given'));
  });

  test('in a given VPC the database uses the isolated subnets when there are any', () => {
    const { template } = synth((s) => ({ vpc: givenVpc(s, true) }));
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-iso1', 'subnet-iso2'] });
  });

  test('a given VPC without isolated subnets puts the database in its private subnets', () => {
    const { template } = synth((s) => ({ vpc: givenVpc(s, false) }));
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-priv1', 'subnet-priv2'] });
  });

  test('instances and mount targets go to the private subnets of a given VPC', () => {
    const { template } = synth((s) => ({ vpc: givenVpc(s, false) }));
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { VPCZoneIdentifier: ['subnet-priv1', 'subnet-priv2'] });
    template.resourcePropertiesCountIs('AWS::EFS::MountTarget', { SubnetId: 'subnet-priv1' }, 1);
    template.resourcePropertiesCountIs('AWS::EFS::MountTarget', { SubnetId: 'subnet-priv2' }, 1);
  });
});

function givenVpc(scope: Stack, withIsolated: boolean): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(scope, 'Given', {
    vpcId: 'vpc-0123456789',
    availabilityZones: ['eu-west-2a', 'eu-west-2b'],
    publicSubnetIds: ['subnet-pub1', 'subnet-pub2'],
    privateSubnetIds: ['subnet-priv1', 'subnet-priv2'],
    isolatedSubnetIds: withIsolated ? ['subnet-iso1', 'subnet-iso2'] : undefined,
    vpcCidrBlock: '10.1.0.0/16',
  });
}
