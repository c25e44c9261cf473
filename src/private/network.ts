import { Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULTS } from './defaults';
import { createLogGroup } from './logging';
import { servicePrincipalFor } from './service-access';

/** Internal: what the network tier needs from the dashboard's props. */
export interface DashboardNetworkProps {
  readonly vpc?: ec2.IVpc;
  readonly natGateways: number;
  readonly secretsManagerEndpoint?: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly loadBalancerSubnets?: ec2.SubnetSelection;
  readonly fleetSubnets?: ec2.SubnetSelection;
  readonly databaseSubnets?: ec2.SubnetSelection;
}

/**
 * The VPC (created or given), which subnets each tier uses, the VPC endpoints and flow logs.
 */
export class DashboardNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  /** True when the VPC was created by this construct. */
  private readonly ownsVpc: boolean;
  public readonly loadBalancerSubnets: ec2.SubnetSelection;
  public readonly fleetSubnets: ec2.SubnetSelection;
  public readonly databaseSubnets: ec2.SubnetSelection;
  /** The Secrets Manager interface endpoint, when one is created here. */
  public readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;

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
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
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
    // fail to deploy, so the endpoint is only made there when asked for.
    if (props.secretsManagerEndpoint ?? this.ownsVpc) {
      this.secretsManagerEndpoint = new ec2.InterfaceVpcEndpoint(this, 'SecretsManagerEndpoint', {
        vpc: this.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        // An interface endpoint takes one subnet per zone, whatever the fleet's selection.
        subnets: onePerZone(this.fleetSubnets),
        privateDnsEnabled: true,
        // Callers are allowed one by one (fleet, rotation function), not the whole VPC CIDR.
        open: false,
      });
    }
  }

  /** Lets `peer` reach Secrets Manager through the endpoint, when there is one. */
  public allowSecretsManagerFrom(peer: ec2.IConnectable): void {
    this.secretsManagerEndpoint?.connections.allowDefaultPortFrom(peer, 'Secrets Manager API over the interface endpoint');
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
