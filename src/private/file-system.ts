import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { onePerZone } from './network';

/** Internal: what the shared file system needs. */
export interface DashboardFileSystemProps {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly removalPolicy: RemovalPolicy;
  /** The customer managed key of the file system, if any. */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The encrypted EFS file system that holds the data directories every instance shares
 * (images, themes, excel, svg, keys), with one mount target in each Availability Zone of the
 * fleet's subnets.
 */
export class DashboardFileSystem extends Construct {
  public readonly fileSystem: efs.FileSystem;
  /** A few GiB of themes and images: bursting credits cover it at the lowest price. */
  public readonly throughputMode = efs.ThroughputMode.BURSTING;

  constructor(scope: Construct, id: string, props: DashboardFileSystemProps) {
    super(scope, id);
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard file system: NFS from the fleet and the sync function only',
      allowAllOutbound: false,
    });
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      // EFS allows one mount target per zone: a selection spanning several subnet groups (or
      // several named subnets in a zone) would otherwise fail with MountTargetConflict.
      vpcSubnets: onePerZone(props.vpcSubnets),
      securityGroup,
      encrypted: true,
      kmsKey: props.encryptionKey,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: this.throughputMode,
      // Backups come from the AWS Backup plan of this construct, with its own retention.
      enableAutomaticBackups: false,
      // Instances mount over plain NFS (the EFS mount helper is not on the AMI) and need root
      // on the share to hand the data directories to pi-user; access is limited by the
      // security group above, which only the fleet and the sync function may use.
      allowAnonymousAccess: true,
      removalPolicy: props.removalPolicy,
    });
  }
}
