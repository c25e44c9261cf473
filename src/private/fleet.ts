import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BootSignal } from './boot';
import { suppressNag } from './nag';

/** Internal: what the fleet tier needs. */
export interface DashboardFleetProps {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly machineImage: ec2.IMachineImage;
  readonly instanceType: ec2.InstanceType;
  readonly cpuCredits?: ec2.CpuCredits;
  readonly rootDeviceName: string;
  readonly volumeType: ec2.EbsDeviceVolumeType;
  readonly volumeSize: number;
  readonly keyPair?: ec2.IKeyPair;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly desiredCapacity?: number;
  readonly scaleOutCpuPercent: number;
  readonly scaleInCpuPercent: number;
  /**
   * How long a new instance has to boot and answer on /pi/version: the health check grace
   * period, the signal timeout of creation and rollouts, and the boot script's own deadline.
   */
  readonly bootBudget: Duration;
  /** Renders the user data; given where the instance reports the outcome of its boot. */
  readonly userData: (signal: BootSignal) => ec2.UserData;
  readonly notificationTopic?: sns.ITopic;
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
        budget: props.bootBudget,
      }),
      keyPair: props.keyPair,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: false,
      blockDevices: [{
        deviceName: props.rootDeviceName,
        volume: ec2.BlockDeviceVolume.ebs(props.volumeSize, {
          volumeType: props.volumeType,
          encrypted: true,
          deleteOnTermination: true,
        }),
      }],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      launchTemplate,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      desiredCapacity: props.desiredCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.bootBudget,
      }),
      defaultInstanceWarmup: props.bootBudget,
      // Stack creation waits until every initial instance reports that the dashboard answers.
      signals: autoscaling.Signals.waitForAll({ timeout: props.bootBudget }),
      // A new launch template version (e.g. a new AMI) replaces instances one at a time, each
      // only after the previous one reported healthy; a failure or silence rolls the update back.
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: 1,
        minInstancesInService: minInstancesInService(props.minCapacity, props.maxCapacity),
        waitOnResourceSignals: true,
        pauseTime: props.bootBudget,
      }),
      notifications: props.notificationTopic ? [{ topic: props.notificationTopic }] : undefined,
      // Fleet size on the CloudWatch dashboard; group metrics cost nothing.
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    if (!props.notificationTopic) {
      suppressNag(this.autoScalingGroup, [{
        id: 'AwsSolutions-AS3',
        reason: 'No alarmTopic was given, so there is nowhere to send scaling notifications; the activity history and the CloudWatch dashboard show them.',
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
