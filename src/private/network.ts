import { Annotations, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, Dependable, IDependable } from 'constructs';
import { DEFAULTS } from './defaults';
import { createLogGroup } from './logging';
import type { ResolvedDashboardProps } from './resolved-props';
import { servicePrincipalFor } from './service-access';

/** Internal: what the network tier needs from the dashboard's props. */
export type DashboardNetworkProps = Pick<ResolvedDashboardProps,
'vpc' | 'natGateways' | 'secretsManagerEndpoint' | 'secretsManagerEndpointSecurityGroup' | 'logRetention' | 'loadBalancerSubnets'
| 'fleetSubnets' | 'databaseSubnets'>;

/**
 * The VPC (created or given), which subnets each tier uses, the VPC endpoints and flow logs.
 */
export class DashboardNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly loadBalancerSubnets: ec2.SubnetSelection;
  public readonly fleetSubnets: ec2.SubnetSelection;
  public readonly databaseSubnets: ec2.SubnetSelection;
  /** Whether the fleet's subnets route out (not all isolated): functions there reach AWS APIs without endpoints. */
  public readonly fleetHasEgress: boolean;
  /**
   * The Secrets Manager interface endpoint: the one created here, or an existing one known by its
   * security group. Undefined when Secrets Manager is reached through the NAT gateway.
   */
  public readonly secretsManagerEndpoint?: ec2.IConnectable & IDependable;
  /** True when the VPC was created by this construct. */
  private readonly ownsVpc: boolean;

  constructor(scope: Construct, id: string, props: DashboardNetworkProps) {
    super(scope, id);
    this.ownsVpc = props.vpc === undefined;

    if (props.vpc) {
      this.vpc = props.vpc;
    } else {
      const flowLogGroup = createLogGroup(this, 'FlowLogs', { retention: props.logRetention });
      // VPC Flow Logs may assume it for flow logs of this account and region only.
      const stack = Stack.of(this);
      const flowLogRole = new iam.Role(this, 'FlowLogRole', {
        assumedBy: servicePrincipalFor(this, 'vpc-flow-logs.amazonaws.com',
          [`arn:${Aws.PARTITION}:ec2:${stack.region}:${stack.account}:vpc-flow-log/*`]),
        description: 'Delivers the dashboard VPC\'s flow logs to their log group',
      });
      this.vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: DEFAULTS.availabilityZones,
        natGateways: props.natGateways,
        subnetConfiguration: [
          // Only the load balancer and the NAT gateways live here, and neither needs an address
          // handed out at launch: anything else launched here stays private unless asked.
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
          { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
          { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ],
        flowLogs: {
          All: {
            destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
            trafficType: ec2.FlowLogTrafficType.ALL,
          },
        },
        // S3 traffic (uploads bucket, package mirrors) stays off the NAT gateway.
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      });
    }

    this.loadBalancerSubnets = props.loadBalancerSubnets ?? { subnetType: ec2.SubnetType.PUBLIC };
    this.fleetSubnets = props.fleetSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    // A given VPC may have no isolated subnets; the database then shares the private ones.
    this.databaseSubnets = props.databaseSubnets ?? {
      subnetType: this.vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    };

    // In a given VPC an endpoint with private DNS may already exist and a second one would
    // fail to deploy, so the endpoint is only made there when asked for (see its default).
    if (props.secretsManagerEndpoint) {
      this.secretsManagerEndpoint = new ec2.InterfaceVpcEndpoint(this, 'SecretsManagerEndpoint', {
        vpc: this.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        // An interface endpoint takes one subnet per zone, whatever the fleet's selection.
        subnets: onePerZone(this.fleetSubnets),
        privateDnsEnabled: true,
        // Callers are allowed one by one (fleet, rotation function), not the whole VPC CIDR.
        open: false,
      });
    } else if (props.secretsManagerEndpointSecurityGroup) {
      this.secretsManagerEndpoint = new ExistingEndpoint(props.secretsManagerEndpointSecurityGroup);
    }

    const isolated = new Set(this.vpc.isolatedSubnets.map((subnet) => subnet.subnetId));
    const fleet = this.vpc.selectSubnets(this.fleetSubnets).subnets;
    this.fleetHasEgress = fleet.length === 0 || !fleet.every((subnet) => isolated.has(subnet.subnetId));
    this.warnWithoutEgress();
  }

  /**
   * Fleet subnets with no route out (isolated) need endpoints and routes for everything the
   * instances and functions call: synth says which, and whether Secrets Manager is reachable.
   * (A VPC with no subnets with egress at all, and no fleetSubnets chosen, is refused earlier.)
   */
  private warnWithoutEgress(): void {
    if (this.fleetHasEgress) {
      return;
    }
    const secretsManager = this.secretsManagerEndpoint
      ? 'The Secrets Manager endpoint is taken care of.'
      : 'Secrets Manager is NOT reachable as configured: set secretsManagerEndpoint: true, or give '
        + 'secretsManagerEndpointSecurityGroup (the security group of the VPC\'s existing endpoint) so the construct can admit its callers.';
    Annotations.of(this).addWarningV2(NO_EGRESS_WARNING,
      `fleetSubnets are isolated (no route to the internet): the instances and functions there need ${NO_EGRESS_NEEDS} ${secretsManager}`);
  }

  /**
   * Keeps, when the stack is deleted, what a kept database still sits in: in a VPC created here,
   * the VPC and the database's subnets (CloudFormation could not delete them while the database's
   * network interfaces are there, and the deletion would stop half-way). A given VPC is not the
   * stack's to delete.
   */
  public keepWithDatabase(): void {
    if (!this.ownsVpc) {
      return;
    }
    (this.vpc.node.defaultChild as ec2.CfnVPC).applyRemovalPolicy(RemovalPolicy.RETAIN);
    for (const subnet of this.vpc.selectSubnets(this.databaseSubnets).subnets) {
      (subnet.node.defaultChild as ec2.CfnSubnet).applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }

  /** Lets `peer` reach Secrets Manager through the endpoint (created here or given), when there is one. */
  public allowSecretsManagerFrom(peer: ec2.IConnectable): void {
    this.secretsManagerEndpoint?.connections.allowDefaultPortFrom(peer, 'Secrets Manager API over the interface endpoint');
  }
}

/** Warning id, to acknowledge with `Annotations.of(dashboard).acknowledgeWarning(id)`. */
export const NO_EGRESS_WARNING = '@panintelligence/cdk-dashboard:fleetWithoutEgress';

/** What the instances and functions call, when their subnets have no NAT gateway or proxy. */
export const NO_EGRESS_NEEDS = 'interface endpoints with private DNS whose security groups admit them on 443: secretsmanager '
  + '(the instances read the secrets; the rotation and provisioning functions), cloudformation (each instance signals its '
  + 'boot), ssm, ssmmessages and ec2messages (Session Manager), lambda (a long re-sync continues itself; the custom '
  + 'resources\' provider functions call their handlers), states and backup (the pre-upgrade backup); an S3 gateway '
  + 'endpoint on the subnets\' route tables (the uploads bucket, and CloudFormation\'s custom resource answers, which go to S3); '
  + 'and, unless the image already has the AWS CLI and the NFS client, an Ubuntu package mirror or an HTTP proxy the '
  + 'instances reach.';

/** An existing interface endpoint known by its security group: callers are admitted on 443. */
class ExistingEndpoint implements ec2.IConnectable, IDependable {
  public readonly connections: ec2.Connections;

  constructor(securityGroup: ec2.ISecurityGroup) {
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(443) });
    Dependable.implement(this, { dependencyRoots: [securityGroup] });
  }
}

/**
 * `selection` narrowed to one subnet per Availability Zone, for resources that allow only one
 * per zone (EFS mount targets, interface endpoints, load balancers). The filter list is copied:
 * aws-cdk-lib appends to it when it selects, which would narrow the caller's selection too.
 */
export function onePerZone(selection: ec2.SubnetSelection): ec2.SubnetSelection {
  return {
    ...selection,
    subnetFilters: selection.subnetFilters ? [...selection.subnetFilters] : undefined,
    onePerAz: true,
  };
}
