import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sfnTasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULTS } from './defaults';
import { instanceRefreshTime } from './fleet';
import { fleetCheckFunction, FleetCheckFunctionProps } from './maintenance/maintenance';
import { WindowSpec } from './maintenance/window';
import { nagResourceFinding, suppressNag } from './nag';
import { stackUniqueName } from './names';
import { allowServiceToPublish, defaultBusRuleArn, servicePrincipalFor, sourceConditions, TopicTarget } from './service-access';

/** Internal: the fleet to refresh, the secrets whose rotations it follows, and who hears of failures. */
export interface RotationRefreshProps {
  /** The fleet, refreshed after each successful rotation of `appSecret`. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The instance warm-up of the refresh: the fleet's boot budget. */
  readonly warmup: Duration;
  /** How long a replaced instance drains: the run's time limit allows for it. */
  readonly drainTime: Duration;
  /** The refresh starts only inside this window, which the safety-net check also runs in. */
  readonly maintenanceWindow: WindowSpec;
  /** The secret the instances read. */
  readonly appSecret: secretsmanager.ISecret;
  /** The master secret: a failed rotation of it is reported too. */
  readonly masterSecret: secretsmanager.ISecret;
  /** @default - failures notify nobody */
  readonly alarmTopic?: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
  /** Where the fleet check runs: see {@link FleetCheckFunctionProps.network}. @default - outside the VPC */
  readonly network?: FleetCheckFunctionProps['network'];
}

/**
 * Refreshes the fleet after the app secret rotates, inside the maintenance window only, so every
 * instance restarts with the current credentials while full healthy capacity is kept. A state
 * machine runs on each successful rotation of the app secret (CloudTrail's event) and, as a
 * safety net should that event be lost, at each opening of the window: it waits for the window,
 * checks whether any instance started before the secret's last change, and only then refreshes.
 * A failed rotation of either secret, and a run that fails or times out, notify `alarmTopic`.
 * The parts are made in `scope` (the database tier), where their logical ids have always been.
 */
export function refreshFleetAfterRotation(scope: Construct, props: RotationRefreshProps): events.Rule {
  const stateMachine = refreshStateMachine(scope, props);

  // Neither a failed rotation (of either secret) nor a refresh that failed, timed out or was
  // stopped may go unnoticed: both events go to the alarm topic.
  const alarmTopic = props.alarmTopic;
  if (alarmTopic) {
    const rotationFailed = new events.Rule(scope, 'RotationFailedRule', {
      description: 'Notifies the alarm topic when a rotation of a dashboard database secret fails',
      eventPattern: secretsManagerEvent('RotationFailed', [props.masterSecret, props.appSecret]),
      targets: [new TopicTarget(alarmTopic, events.RuleTargetInput.fromObject({
        alarm: 'A rotation of a Panintelligence dashboard database secret failed: see the log of its rotation function',
        secret: events.EventField.fromPath('$.detail.additionalEventData.SecretId'),
        time: events.EventField.time,
      }))],
    });
    const refreshFailed = new events.Rule(scope, 'RefreshFailedRule', {
      description: 'Notifies the alarm topic when the fleet refresh after a rotation does not succeed',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new TopicTarget(alarmTopic, events.RuleTargetInput.fromObject({
        alarm: 'The instance refresh after a database password rotation did not succeed: instances may hold credentials that the next rotation invalidates',
        status: events.EventField.fromPath('$.detail.status'),
        execution: events.EventField.fromPath('$.detail.executionArn'),
        time: events.EventField.time,
      }))],
    });
    // EventBridge may publish (and use an encrypted topic's key) for these two rules only.
    allowServiceToPublish(scope, alarmTopic, 'events.amazonaws.com', {
      arns: [rotationFailed.ruleArn, refreshFailed.ruleArn],
      pattern: 'events:rule/*',
    });
  }

  // The role EventBridge starts the state machine with may be assumed for these two rules only.
  // The rules are named so that their ARNs are known without a reference to them: each rule
  // refers to the role.
  const windowRuleName = stackUniqueName(scope, 'WindowCheck', 50);
  const rotationRuleName = stackUniqueName(scope, 'RotationSucceeded', 50);
  const role = new iam.Role(scope, 'RotationSucceededRole', {
    assumedBy: servicePrincipalFor(scope, 'events.amazonaws.com',
      [defaultBusRuleArn(scope, rotationRuleName), defaultBusRuleArn(scope, windowRuleName)]),
    description: 'Starts the dashboard fleet refresh after a database password rotation or in the maintenance window',
  });

  // The safety net: at each opening of the window, whatever happened to the rotation's event.
  new events.Rule(scope, 'WindowCheck', {
    ruleName: windowRuleName,
    description: 'Refreshes the dashboard fleet in the maintenance window if an instance predates the app secret\'s last change',
    schedule: events.Schedule.expression(windowOpeningSchedule(props.maintenanceWindow)),
    targets: [new eventsTargets.SfnStateMachine(stateMachine, {
      input: events.RuleTargetInput.fromObject({ trigger: 'maintenance-window' }),
      role,
      retryAttempts: 8,
      maxEventAge: Duration.hours(1),
    })],
  });
  return new events.Rule(scope, 'RotationSucceeded', {
    ruleName: rotationRuleName,
    description: 'Refreshes the dashboard fleet, in the maintenance window, after its database password rotates',
    eventPattern: secretsManagerEvent('RotationSucceeded', [props.appSecret]),
    targets: [new eventsTargets.SfnStateMachine(stateMachine, { role, retryAttempts: 8, maxEventAge: Duration.hours(2) })],
  });
}

/**
 * Plan (wait for the window), check the fleet against the secret, and only then start an instance
 * refresh (after any running one) and poll it until it ends; fail unless it succeeded.
 */
function refreshStateMachine(scope: Construct, props: RotationRefreshProps): sfn.StateMachine {
  const group = props.autoScalingGroup;
  const checker = fleetCheckFunction(scope, 'FleetCheck', {
    secret: props.appSecret,
    group,
    window: props.maintenanceWindow,
    logRetention: props.logRetention,
    network: props.network,
  });
  const invoke = (id: string, action: string, resultPath: string) => {
    const task = new sfnTasks.LambdaInvoke(scope, id, {
      lambdaFunction: checker,
      payload: sfn.TaskInput.fromObject({ action }),
      payloadResponseOnly: true,
      resultPath,
    });
    task.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
    return task;
  };

  // Outside the window, wait for its next opening (the previous credentials stay valid until
  // the app secret's next rotation, which comes no earlier than that window).
  const plan = invoke('PlanRefresh', 'plan', '$.plan');
  const waitForWindow = new sfn.Wait(scope, 'WaitForWindow', { time: sfn.WaitTime.timestampPath('$.plan.waitUntil') });
  // Refresh only if some instance started before the secret last changed: a deployment may have
  // replaced them all meanwhile, and the scheduled run usually finds nothing to do.
  const check = invoke('CheckFleet', 'check', '$.check');

  const start = new sfnTasks.CallAwsService(scope, 'StartInstanceRefresh', {
    service: 'autoscaling',
    action: 'startInstanceRefresh',
    parameters: {
      AutoScalingGroupName: group.autoScalingGroupName,
      Preferences: {
        // Launch before terminating: never fewer healthy instances than before. The instances
        // replaced then drain for drainTime, which the run's time limit allows for.
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 200,
        InstanceWarmup: props.warmup.toSeconds(),
      },
    },
    iamResources: [group.autoScalingGroupArn],
    iamAction: 'autoscaling:StartInstanceRefresh',
    resultSelector: { 'InstanceRefreshId.$': '$.InstanceRefreshId' },
    resultPath: '$.refresh',
  });
  // A refresh or rollout already running (a deployment, another run) must finish first; then
  // check again, as it may have replaced every stale instance.
  const waitForOther = new sfn.Wait(scope, 'WaitForRunningRefresh', { time: sfn.WaitTime.duration(Duration.minutes(5)) });
  start.addCatch(waitForOther, { errors: ['AutoScaling.InstanceRefreshInProgressException'], resultPath: '$.inProgress' });
  waitForOther.next(check);
  // Retriers are scanned in order: the first keeps that error from the catch-all retry below.
  start.addRetry({ errors: ['AutoScaling.InstanceRefreshInProgressException'], maxAttempts: 0 });
  start.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });

  const wait = new sfn.Wait(scope, 'WaitForRefresh', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
  const describe = new sfnTasks.CallAwsService(scope, 'DescribeInstanceRefresh', {
    service: 'autoscaling',
    action: 'describeInstanceRefreshes',
    parameters: {
      'AutoScalingGroupName': group.autoScalingGroupName,
      'InstanceRefreshIds.$': 'States.Array($.refresh.InstanceRefreshId)',
    },
    // Describe actions of Auto Scaling take no resource-level permissions.
    iamResources: ['*'],
    iamAction: 'autoscaling:DescribeInstanceRefreshes',
    resultSelector: { 'Status.$': '$.InstanceRefreshes[0].Status' },
    resultPath: '$.result',
  });
  describe.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(30), maxAttempts: 5, backoffRate: 2 });
  const running = ['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'];
  const outcome = new sfn.Choice(scope, 'RefreshOutcome')
    .when(sfn.Condition.stringEquals('$.result.Status', 'Successful'), new sfn.Succeed(scope, 'RefreshSucceeded'))
    .when(sfn.Condition.or(...running.map((status) => sfn.Condition.stringEquals('$.result.Status', status))), wait)
    .otherwise(new sfn.Fail(scope, 'RefreshFailed', {
      error: 'InstanceRefreshFailed',
      causePath: "States.Format('The instance refresh ended as {}', $.result.Status)",
    }));
  const needed = new sfn.Choice(scope, 'RefreshNeeded')
    .when(sfn.Condition.booleanEquals('$.check.refresh', true), start.next(wait).next(describe).next(outcome))
    .otherwise(new sfn.Succeed(scope, 'FleetCurrent'));

  const logGroup = new logs.LogGroup(scope, 'RefreshOnRotationLogs', {
    // Under /aws/vendedlogs/ Step Functions delivers logs without adding to the account's
    // CloudWatch Logs resource policy, which has a size limit. The stack's id makes the name
    // unique also against a group a deleted stack of the same name left behind.
    logGroupName: `/aws/vendedlogs/states/${stackUniqueName(scope, 'RefreshOnRotationLogs', 120)}`,
    retention: props.logRetention,
    removalPolicy: DEFAULTS.logRemovalPolicy,
  });
  const stateMachine = new sfn.StateMachine(scope, 'RefreshOnRotation', {
    definitionBody: sfn.DefinitionBody.fromChainable(plan.next(waitForWindow).next(check).next(needed)),
    timeout: refreshRunTimeLimit(props.warmup, props.drainTime),
    tracingEnabled: true,
    logs: {
      destination: logGroup,
      level: sfn.LogLevel.ALL,
      includeExecutionData: false,
    },
  });
  // Step Functions may assume the role for this account's state machines only. aws-cdk-lib's
  // newer releases write that condition themselves; older ones in the supported range trust the
  // service unconditioned, so it is written here, the same condition in the same order.
  const { StringEquals, ArnLike } = sourceConditions(scope, [
    `arn:${Aws.PARTITION}:states:${Stack.of(scope).region}:${Stack.of(scope).account}:stateMachine:*`,
  ]);
  (stateMachine.role.node.defaultChild as iam.CfnRole)
    .addPropertyOverride('AssumeRolePolicyDocument.Statement.0.Condition', { ArnLike, StringEquals });
  suppressNag(stateMachine.role, [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Log delivery and X-Ray actions of Step Functions, and autoscaling:DescribeInstanceRefreshes, do not support resource-level permissions.',
      appliesTo: ['Resource::*'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'An Auto Scaling group ARN contains a generated id; the wildcard stands for that id only, the group name is exact.',
      appliesTo: [nagResourceFinding(scope, group.autoScalingGroupArn)],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'The state machine may invoke every version of the fleet-check function only; Lambda grants name them with a :* suffix.',
      appliesTo: [`${nagResourceFinding(scope, checker.functionArn)}:*`],
    },
  ], true);
  return stateMachine;
}

/**
 * How long a run of the refresh may take: a week of waiting for the window at most, two hours for
 * a refresh or rollout already under way, then the refresh itself (boot, warm-up and drain), with
 * an hour to spare.
 */
function refreshRunTimeLimit(bootBudget: Duration, drainTime: Duration): Duration {
  return Duration.days(7).plus(Duration.hours(3)).plus(instanceRefreshTime(bootBudget, drainTime));
}

/** The EventBridge schedule of the window's opening, every week. */
function windowOpeningSchedule(window: WindowSpec): string {
  return `cron(0 ${window.startHour} ? * ${window.day} *)`;
}

/** The CloudTrail event Secrets Manager sends for a rotation step of one of `secrets`. */
function secretsManagerEvent(eventName: string, secrets: secretsmanager.ISecret[]): events.EventPattern {
  return {
    source: ['aws.secretsmanager'],
    detailType: ['AWS Service Event via CloudTrail'],
    detail: {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: [eventName],
      additionalEventData: { SecretId: secrets.map((secret) => secret.secretArn) },
    },
  };
}
