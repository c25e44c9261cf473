import { Annotations, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { UpgradeMode } from '../upgrade';
import { BootSignal } from './boot';
import { acknowledgeRules, suppressNag } from './nag';
import type { ResolvedDashboardProps } from './resolved-props';

/**
 * Time an old instance needs to leave its group after its drain ends: the operating system's
 * shutdown and Auto Scaling's bookkeeping (an estimate; EC2 stops an instance within minutes).
 */
export const OLD_INSTANCE_EXIT = Duration.minutes(3);

/**
 * Internal: what the fleet tier needs. `startupTimeout` is the boot budget: how long a
 * new instance has to boot and answer on /pi/version, so also the signal timeout of creation and
 * rollouts, and the boot script's own deadline. `alarmTopic` receives the scaling notifications.
 */
export interface DashboardFleetProps extends Pick<ResolvedDashboardProps,
'machineImage' | 'instanceType' | 'cpuCredits' | 'rootDeviceName' | 'volumeType' | 'volumeSize' | 'keyPair'
| 'minCapacity' | 'maxCapacity' | 'desiredCapacity' | 'scaleOutCpuPercent' | 'scaleInCpuPercent'
| 'startupTimeout' | 'drainTime' | 'alarmTopic' | 'upgradeMode'
| 'detailedMonitoring' | 'additionalInstanceTypes' | 'encryptionKey'> {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Renders the user data; given where the instance reports the outcome of its boot. */
  readonly userData: (signal: BootSignal) => ec2.UserData;
}

/**
 * The dashboard instances: a launch template (IMDSv2, encrypted root volume, SSM access) and an
 * Auto Scaling group across every private subnet with CPU step scaling. Each new instance tells
 * CloudFormation whether the dashboard came up within the boot budget; stack creation and
 * rolling updates wait for those signals, so a bad image or boot change rolls back.
 */
export class DashboardFleet extends Construct {
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  private readonly securityGroup: ec2.SecurityGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DashboardFleetProps) {
    super(scope, id);
    const bootBudget = props.startupTimeout;
    const signalBudget = instanceSignalBudget(bootBudget, props.upgradeMode, props.drainTime);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard instances: 8224 from the load balancer; out to the database, file system and HTTPS',
      allowAllOutbound: false,
    });
    // Package installs (the AWS CLI at first boot), SSM, Secrets Manager and licence checks.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and package mirrors');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP to the Ubuntu package mirrors');

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Panintelligence dashboard instances',
      // In the role itself, so the agent can register as soon as the instance starts.
      inlinePolicies: { 'session-manager': new iam.PolicyDocument({ statements: [sessionManagerStatement()] }) },
    });
    // The boot script reports its outcome to this stack, and to no other.
    const stackId = Stack.of(this).stackId;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudformation:SignalResource'],
      resources: [stackId],
    }));
    suppressNag(this.role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'Session Manager only: the SSM agent registers the instance and opens session channels, actions that take no '
        + 'narrower resource than *. No Parameter Store, Run Command or other Systems Manager access.',
      appliesTo: ['Resource::*'],
    }]);

    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: props.machineImage,
      instanceType: props.instanceType,
      cpuCredits: props.cpuCredits,
      role: this.role,
      securityGroup: this.securityGroup,
      userData: props.userData({
        stackId,
        // The group is made below; its logical id is read at synthesis.
        logicalId: Lazy.string({ produce: () => (this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).logicalId }),
        budget: signalBudget,
      }),
      keyPair: props.keyPair,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: false,
      // Left out when off, so the template of the default fleet stays as it was.
      detailedMonitoring: props.detailedMonitoring || undefined,
      blockDevices: [{
        deviceName: props.rootDeviceName,
        volume: ec2.BlockDeviceVolume.ebs(props.volumeSize, {
          volumeType: props.volumeType,
          encrypted: true,
          // Auto Scaling's service-linked role launches with it: the key's policy names that role.
          kmsKey: props.encryptionKey,
          deleteOnTermination: true,
        }),
      }],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      ...launchSettings(launchTemplate, props.instanceType, props.additionalInstanceTypes),
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      desiredCapacity: props.desiredCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: bootBudget,
      }),
      defaultInstanceWarmup: bootBudget,
      // Stack creation waits until every initial instance reports that the dashboard answers.
      signals: autoscaling.Signals.waitForAll({ timeout: signalBudget }),
      updatePolicy: rolloutPolicy(props.upgradeMode, props.minCapacity, props.maxCapacity,
        rolloutPauseTime(this, bootBudget, props.drainTime, props.upgradeMode)),
      notifications: props.alarmTopic ? [{ topic: props.alarmTopic }] : undefined,
      // Fleet size on the CloudWatch dashboard; group metrics cost nothing.
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    namedZones(this.autoScalingGroup, props.vpc.selectSubnets(props.vpcSubnets).subnets);
    if (props.additionalInstanceTypes?.length) {
      const reason = 'The root volume is encrypted in the launch template (encrypted: true, and encryptionKey when given); '
        + 'cdk-nag cannot read a launch template given through a mixed instances policy, and fails on it.';
      suppressNag(this.autoScalingGroup, [
        { id: 'AwsSolutions-EC26', reason },
        { id: 'CdkNagValidationFailure', reason, appliesTo: ['AwsSolutions-EC26'] },
      ]);
    }
    if (props.upgradeMode === UpgradeMode.EXCLUSIVE) {
      // A new instance finds its group and waits until no instance of another version is left.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeAutoScalingGroups'],
        resources: ['*'],
      }));
      suppressNag(this.role.node.findChild('DefaultPolicy'), [{
        id: 'AwsSolutions-IAM5',
        reason: 'In the exclusive upgrade mode an instance reads which instances of its group run which launch template version; '
          + 'the Auto Scaling describe actions take no resource-level permissions, and they only read.',
        appliesTo: ['Resource::*'],
      }]);
    }

    const cpu = new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensionsMap: { AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(5),
    });
    // Built from its parts rather than with scaleOnMetric, whose StepScalingPolicy passes the
    // deprecated `cooldown` and makes every synth print a deprecation warning.
    const scale = (name: string, change: number, threshold: number, comparisonOperator: cloudwatch.ComparisonOperator, description: string) => {
      const action = new autoscaling.StepScalingAction(this, `${name}Policy`, {
        autoScalingGroup: this.autoScalingGroup,
        adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        metricAggregationType: autoscaling.MetricAggregationType.AVERAGE,
      });
      // Bounds are relative to the alarm threshold: the whole range on the alarm's side of it.
      action.addAdjustment(change > 0 ? { lowerBound: 0, adjustment: change } : { upperBound: 0, adjustment: change });
      const alarm = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric: cpu,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        alarmDescription: description,
      });
      alarm.addAlarmAction(new cloudwatchActions.AutoScalingAction(action));
    };
    scale('CpuScaleOut', +1, props.scaleOutCpuPercent, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      `Adds a dashboard instance when the average CPU is at or above ${props.scaleOutCpuPercent} %`);
    scale('CpuScaleIn', -1, props.scaleInCpuPercent, cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      `Removes a dashboard instance when the average CPU is at or below ${props.scaleInCpuPercent} %`);
  }
}

/**
 * The group's launch template, alone, or in a mixed instances policy that tries `instanceType`
 * first and `additionalInstanceTypes` in their order when a type has no capacity. All On-Demand:
 * a Spot instance taken back mid-session would log its users out.
 */
function launchSettings(
  launchTemplate: ec2.LaunchTemplate, instanceType: ec2.InstanceType, additionalInstanceTypes: ec2.InstanceType[] | undefined,
): Pick<autoscaling.AutoScalingGroupProps, 'launchTemplate' | 'mixedInstancesPolicy'> {
  if (!additionalInstanceTypes?.length) {
    return { launchTemplate };
  }
  return {
    mixedInstancesPolicy: {
      launchTemplate,
      launchTemplateOverrides: [instanceType, ...additionalInstanceTypes].map((type) => ({ instanceType: type })),
      instancesDistribution: {
        onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
        onDemandPercentageAboveBaseCapacity: 100,
      },
    },
  };
}

/** CloudFormation's longest PauseTime of a rolling update. */
export const MAX_ROLLOUT_PAUSE = Duration.hours(1);

/**
 * How long each step of a rolling update waits for the new instance's signal: the time the
 * instance it replaces may take to drain (its replacement may only launch once it has left) plus
 * the instance's signal budget (in the exclusive mode that already waits out the old version's
 * drain), at most CloudFormation's hour (with a warning when that cuts it).
 */
export function rolloutPauseTime(scope: Construct, bootBudget: Duration, drainTime: Duration, mode: UpgradeMode): Duration {
  const seconds = mode === UpgradeMode.EXCLUSIVE
    ? instanceSignalBudget(bootBudget, mode, drainTime).toSeconds()
    : bootBudget.toSeconds() + drainTime.toSeconds();
  if (seconds > MAX_ROLLOUT_PAUSE.toSeconds()) {
    Annotations.of(scope).addWarningV2('@panintelligence/cdk-dashboard:rolloutPauseCapped',
      `startupTimeout (${bootBudget.toHumanString()}) plus drainTime (${drainTime.toHumanString()}) is more than the hour `
      + 'CloudFormation waits for a rolling update\'s signal: a rollout may fail while an instance drains. Shorten one of them.');
    return MAX_ROLLOUT_PAUSE;
  }
  return Duration.seconds(seconds);
}

/**
 * The longest an instance refresh of the whole fleet takes: it launches before it terminates
 * (MinHealthyPercentage 100), so the new instances boot and warm up (the boot budget, twice at
 * most), then the old ones drain.
 */
export function instanceRefreshTime(bootBudget: Duration, drainTime: Duration): Duration {
  return Duration.seconds(2 * bootBudget.toSeconds() + drainTime.toSeconds());
}

/**
 * How long a new instance has, from its launch, to report a healthy dashboard in a rollout (the
 * rolling update's PauseTime), at stack creation, and on its own clock (the boot script's budget):
 * the boot budget, plus, in the exclusive mode, the time the old version's instances take to
 * leave (their drain, then their shutdown), which a new instance waits out before it starts the
 * dashboard. CloudFormation accepts at most an hour.
 */
export function instanceSignalBudget(bootBudget: Duration, mode: UpgradeMode, drainTime: Duration): Duration {
  return mode === UpgradeMode.EXCLUSIVE ? bootBudget.plus(drainTime).plus(OLD_INSTANCE_EXIT) : bootBudget;
}

/**
 * The update policy of a new launch template version (a new image, instance type or boot script).
 * Both modes wait for each new instance's signal and roll the update back on a failure or silence.
 */
function rolloutPolicy(mode: UpgradeMode, minCapacity: number, maxCapacity: number, pauseTime: Duration): autoscaling.UpdatePolicy {
  if (mode === UpgradeMode.EXCLUSIVE) {
    // One batch as large as the group can be, none kept in service: every old instance leaves
    // at once, and the new ones wait for the last of them before starting the dashboard.
    return autoscaling.UpdatePolicy.rollingUpdate({
      maxBatchSize: maxCapacity,
      minInstancesInService: 0,
      waitOnResourceSignals: true,
      pauseTime,
    });
  }
  // One instance at a time, each only after the previous one reported healthy.
  return autoscaling.UpdatePolicy.rollingUpdate({
    maxBatchSize: 1,
    minInstancesInService: minInstancesInService(minCapacity, maxCapacity),
    waitOnResourceSignals: true,
    pauseTime,
  });
}

/** CloudFormation needs MinInstancesInService below MaxSize to replace anything. */
function minInstancesInService(min: number, max: number): number {
  if (Token.isUnresolved(min) || Token.isUnresolved(max)) {
    return 0;
  }
  return Math.max(0, Math.min(min, max - 1));
}

/**
 * What the SSM agent needs for Session Manager, and nothing more (the actions of AWS's
 * AWSCloud9SSMInstanceProfile). AmazonSSMManagedInstanceCore would also let every instance read
 * every Systems Manager parameter of the account and run documents: an internet-facing server
 * holds the two secrets it needs and nothing else.
 */
function sessionManagerStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'ssm:UpdateInstanceInformation',
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ],
    resources: ['*'],
  });
}

/**
 * Names the zones of the group's subnets in its `AvailabilityZones` too, which CloudFormation
 * accepts beside the subnets (they lie in those zones): a group spread over several zones then
 * says so where policies such as AWS Control Tower's look. Subnets imported without their zone
 * leave it unset, as it was.
 */
function namedZones(group: autoscaling.AutoScalingGroup, subnets: ec2.ISubnet[]): void {
  const zones: string[] = [];
  for (const subnet of subnets) {
    let zone: string;
    try {
      zone = subnet.availabilityZone;
    } catch {
      return;
    }
    if (!zones.includes(zone)) {
      zones.push(zone);
    }
  }
  const resource = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
  resource.availabilityZones = zones;
  // aws-cdk-lib's template validation warns of zone names written out (rule W3010): these are the
  // subnets' own zones, which a stack with an account and region knows by name.
  acknowledgeRules(resource, [{
    id: 'CloudFormation-Validate::W3010',
    reason: 'AvailabilityZones are the zones of the fleet\'s subnets, named as the stack\'s account and region know them.',
  }]);
}
