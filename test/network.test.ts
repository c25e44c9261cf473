import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { refId, resourceById, resourcesOf, securityGroupsOf, subnetsOfKind, theResource } from './template';
import { only, synth } from './util';
import { NO_EGRESS_WARNING } from '../src/private/network';

describe('network, default', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = synth());
  });

  test('one VPC over two AZs with public, private and isolated subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    for (const kind of ['Public', 'Private', 'Isolated'] as const) {
      expect(subnetsOfKind(template, kind)).toHaveLength(2);
    }
  });

  test('no subnet hands out public IP addresses: the load balancer and the NAT gateway do not need them', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    expect(subnets).toHaveLength(6);
    for (const subnet of subnets) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    // The NAT gateway has its Elastic IP, the load balancer its own addresses, in the public subnets.
    template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: Match.anyValue(), SubnetId: Match.anyValue() });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Subnets: subnetsOfKind(template, 'Public') });
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

  test('the Secrets Manager endpoint admits the fleet, the rotation functions, the user provisioning and the fleet check, not the VPC CIDR', () => {
    const [, endpoint] = theResource(template, 'AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    const [sgId] = securityGroupsOf(endpoint);
    expect(resourceById(template, sgId).Properties.SecurityGroupIngress ?? []).toEqual([]);
    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } } });
    expect(ingress.map(([, rule]) => refId(rule.Properties.SourceSecurityGroupId)).sort()).toEqual([
      expect.stringMatching(/^DashboardDatabaseFleetCheckSecurityGroup/),
      expect.stringMatching(/^DashboardDatabaseProvisioningSecurityGroup/),
      expect.stringMatching(/^DashboardDatabaseRotationSecurityGroup/),
      expect.stringMatching(/^DashboardFleetSecurityGroup/),
    ]);
    for (const [, rule] of ingress) {
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

describe('any existing VPC: one resource per zone where AWS allows only one', () => {
  /** A VPC with two public and two private subnet groups (as landing zones often have). */
  function twoGroupVpc(scope: Stack): ec2.Vpc {
    return new ec2.Vpc(scope, 'Existing', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Edge', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Web', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'Batch', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
  }

  /** Availability Zone of each subnet reference, read from the stack's subnets. */
  function zonesOf(template: Template, subnets: unknown[]): string[] {
    return subnets.map((s) => resourceById(template, refId(s)).Properties.AvailabilityZone);
  }

  let template: Template;

  beforeAll(() => {
    ({ template } = synth((s) => ({ vpc: twoGroupVpc(s), secretsManagerEndpoint: true })));
  });

  test('the fleet spans every private subnet of both groups', () => {
    const asg = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties.VPCZoneIdentifier).toHaveLength(4);
  });

  test('EFS: exactly one mount target in each zone (no MountTargetConflict)', () => {
    const targets = mountTargetSubnets(template);
    expect(targets).toHaveLength(2);
    expect(zonesOf(template, targets).sort()).toEqual(['dummy1a', 'dummy1b']);
  });

  test('the Secrets Manager interface endpoint takes one subnet per zone', () => {
    const endpoint = only(template, 'AWS::EC2::VPCEndpoint').Properties;
    expect(endpoint.VpcEndpointType).toBe('Interface');
    expect(zonesOf(template, endpoint.SubnetIds).sort()).toEqual(['dummy1a', 'dummy1b']);
  });

  test('the load balancer takes one public subnet per zone', () => {
    const subnets = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.Subnets;
    expect(zonesOf(template, subnets).sort()).toEqual(['dummy1a', 'dummy1b']);
  });

  test('the database subnet group may hold several subnets per zone (RDS allows it)', () => {
    expect(only(template, 'AWS::RDS::DBSubnetGroup').Properties.SubnetIds).toHaveLength(2);
  });
});

describe('an imported VPC whose subnets are selected by name', () => {
  const AZ = ['eu-west-2a', 'eu-west-2b'];
  const ids = {
    public: ['subnet-0a0000000000000a1', 'subnet-0a0000000000000b1'],
    app: ['subnet-0b0000000000000a2', 'subnet-0b0000000000000b2'],
    batch: ['subnet-0c0000000000000a3', 'subnet-0c0000000000000b3'],
  };
  const zoneOf = (id: string) => AZ[[...ids.public, ...ids.app, ...ids.batch].indexOf(id) % 2];

  function imported(scope: Stack): ec2.IVpc {
    return ec2.Vpc.fromVpcAttributes(scope, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '10.20.0.0/16',
      availabilityZones: AZ,
      publicSubnetIds: ids.public,
      privateSubnetIds: [...ids.app, ...ids.batch],
      privateSubnetNames: ['app', 'batch'],
    });
  }

  test('by default (both private groups): one mount target per zone', () => {
    const { template } = synth((s) => ({ vpc: imported(s), secretsManagerEndpoint: true }));
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.VPCZoneIdentifier).toEqual([...ids.app, ...ids.batch]);
    const targets = mountTargetSubnets(template);
    expect(targets).toHaveLength(2);
    expect(targets.map(zoneOf).sort()).toEqual(AZ);
    expect(only(template, 'AWS::EC2::VPCEndpoint').Properties.SubnetIds.map(zoneOf).sort()).toEqual(AZ);
  });

  test('subnetGroupName: the fleet and the mount targets use that group only', () => {
    const { template } = synth((s) => ({ vpc: imported(s), fleetSubnets: { subnetGroupName: 'batch' } }));
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.VPCZoneIdentifier).toEqual(ids.batch);
    const targets = mountTargetSubnets(template);
    expect(targets.sort()).toEqual(ids.batch);
  });

  test('subnets named one by one, two of them in one zone: still one mount target per zone', () => {
    const { template } = synth((s) => ({
      vpc: imported(s),
      secretsManagerEndpoint: true,
      fleetSubnets: { subnetFilters: [ec2.SubnetFilter.byIds([ids.app[0], ids.batch[0], ids.batch[1]])] },
    }));
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.VPCZoneIdentifier).toHaveLength(3);
    const targets = mountTargetSubnets(template);
    expect(targets.map(zoneOf).sort()).toEqual(AZ);
    expect(only(template, 'AWS::EC2::VPCEndpoint').Properties.SubnetIds.map(zoneOf).sort()).toEqual(AZ);
  });
});

/** The subnet of each EFS mount target. */
function mountTargetSubnets(template: Template): string[] {
  return resourcesOf(template, 'AWS::EFS::MountTarget').map(([, target]) => target.Properties.SubnetId);
}

/** A VPC without a NAT gateway: public subnets and isolated ones only. */
function vpcWithoutNat(stack: Stack, publicSubnets = true): ec2.Vpc {
  return new ec2.Vpc(stack, 'NoNat', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      ...(publicSubnets ? [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] : []),
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}

function egressWarnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(NO_EGRESS_WARNING)).map((w) => String(w.entry.data));
}

describe('networks without a NAT gateway are told what they need', () => {
  const NEEDS = [/secretsmanager/, /cloudformation/, /ssm, ssmmessages and ec2messages/, /lambda/, /S3 gateway endpoint/, /package mirror or an HTTP proxy/];

  test('a given VPC with no subnets with egress is refused unless fleetSubnets is chosen, with the endpoints and routes listed', () => {
    let error: Error | undefined;
    try {
      synth((s) => ({ vpc: vpcWithoutNat(s) }));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/PanintelligenceDashboard Test\/Dashboard: fleetSubnets: the vpc has no private subnets with egress/);
    for (const need of NEEDS) {
      expect(error?.message).toMatch(need);
    }
  });

  test('an imported VPC with only isolated subnets: no place for the load balancer nor the fleet, both said at once', () => {
    expect(() => synth((s) => ({
      vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-2a', 'eu-west-2b'],
        isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      }),
    }))).toThrow(/2 invalid props:\n {2}- loadBalancerSubnets: the vpc has no public subnets[^\n]*\n {2}- fleetSubnets: the vpc has no private subnets with egress/);
  });

  test('isolated fleet subnets chosen explicitly: a warning lists the needs; the endpoint created here is reachable', () => {
    const { stack, template } = synth((s) => ({
      vpc: vpcWithoutNat(s),
      fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      secretsManagerEndpoint: true,
    }));
    const [warning] = egressWarnings(stack);
    for (const need of NEEDS) {
      expect(warning).toMatch(need);
    }
    expect(warning).toContain('The Secrets Manager endpoint is taken care of.');
    // The instances run in the isolated subnets, next to the endpoint.
    const isolated = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([, sn]: [string, any]) => sn.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Isolated'))
      .map(([id]) => ({ Ref: id }));
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.VPCZoneIdentifier).toEqual(expect.arrayContaining(isolated));
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', SubnetIds: Match.arrayWith(isolated) });
  });

  test('isolated fleet subnets and no Secrets Manager endpoint: the warning says Secrets Manager is unreachable', () => {
    const { stack } = synth((s) => ({ vpc: vpcWithoutNat(s), fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }));
    expect(egressWarnings(stack)).toEqual([expect.stringContaining('Secrets Manager is NOT reachable as configured: set secretsManagerEndpoint: true, '
      + 'or give secretsManagerEndpointSecurityGroup')]);
  });

  test('subnets with egress give no warning', () => {
    expect(egressWarnings(synth().stack)).toEqual([]);
    expect(egressWarnings(synth((s) => ({ vpc: new ec2.Vpc(s, 'WithNat', { maxAzs: 2 }) })).stack)).toEqual([]);
  });
});

describe('an existing Secrets Manager endpoint, given by its security group', () => {
  const ENDPOINT_SG = 'sg-0123456789abcdef0';
  let template: Template;

  beforeAll(() => {
    ({ template } = synth((s) => ({
      vpc: new ec2.Vpc(s, 'Given', { maxAzs: 2 }),
      secretsManagerEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'Endpoint', ENDPOINT_SG),
    })));
  });

  test('it admits the instances and the rotation, provisioning and fleet-check functions on 443, and nothing is created', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    const sources = (Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: ENDPOINT_SG } })) as any[])
      .map((rule) => [rule.Properties.FromPort, rule.Properties.ToPort, rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]]);
    expect(sources.map(([from, to]) => [from, to])).toEqual([[443, 443], [443, 443], [443, 443], [443, 443]]);
    expect(sources.map(([, , group]) => group).sort()).toEqual([
      expect.stringMatching(/^DashboardDatabaseFleetCheckSecurityGroup/),
      expect.stringMatching(/^DashboardDatabaseProvisioningSecurityGroup/),
      expect.stringMatching(/^DashboardDatabaseRotationSecurityGroup/),
      expect.stringMatching(/^DashboardFleetSecurityGroup/),
    ]);
  });

  test('the functions send their Secrets Manager calls to that endpoint only, not to the internet', () => {
    for (const name of [/DatabaseRotationSecurityGroup/, /DatabaseProvisioningSecurityGroup/]) {
      const [id, group] = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).find(([i]) => name.test(i)) as [string, any];
      expect(group.Properties.SecurityGroupEgress).toBeUndefined();
      const egress = (Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: { 'Fn::GetAtt': [id, 'GroupId'] } },
      })) as any[]).map((rule) => rule.Properties.DestinationSecurityGroupId);
      expect(egress).toContain(ENDPOINT_SG);
    }
  });

  test.each([
    ['without a given vpc', (s: Stack) => ({ secretsManagerEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'E', ENDPOINT_SG) })],
    ['with secretsManagerEndpoint: true', (s: Stack) => ({
      vpc: new ec2.Vpc(s, 'V'), secretsManagerEndpoint: true, secretsManagerEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'E', ENDPOINT_SG),
    })],
  ])('is refused %s', (_, overrides) => {
    expect(() => synth(overrides)).toThrow(/secretsManagerEndpointSecurityGroup names the endpoint a given vpc already has/);
  });
});
