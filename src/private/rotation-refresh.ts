import { Duration } from 'aws-cdk-lib';
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
import { nagResourceFinding, suppressNag } from './nag';
import { stackUniqueName } from './names';

/** Internal: the fleet to refresh, the secrets whose rotations it follows, and who hears of failures. */
export interface RotationRefreshProps {
  /** The fleet, refreshed after each successful rotation of `appSecret`. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The instance warm-up of the refresh: the fleet's boot budget. */
  readonly warmup: Duration;
  /** The secret the instances read. */
  readonly appSecret: secretsmanager.ISecret;
  /** The master secret: a failed rotation of it is reported too. */
  readonly masterSecret: secretsmanager.ISecret;
  /** @default - failures notify nobody */
  readonly alarmTopic?: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Starts an instance refresh of the fleet each time a rotation of the app secret succeeds and
 * waits for its outcome, so every instance restarts with the new credentials while full healthy
 * capacity is kept. A failed rotation of either secret, and a refresh that fails or times out,
 * notify `alarmTopic`. The parts are made in `scope` (the database tier), where their logical
 * ids have always been.
 */
export function refreshFleetAfterRotation(scope: Construct, props: RotationRefreshProps): events.Rule {
  const group = props.autoScalingGroup;
  const stateMachine = refreshStateMachine(scope, group, props.warmup, props.logRetention);

  // Neither a failed rotation (of either secret) nor a refresh that failed, timed out or was
  // stopped may go unnoticed: both events go to the alarm topic.
  const alarmTopic = props.alarmTopic;
  if (alarmTopic) {
    // EventBridge publishes to an encrypted topic only when the key lets it (a key of this app;
    // an imported key's policy is its owner's to change).
    alarmTopic.masterKey?.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    new events.Rule(scope, 'RotationFailedRule', {
      description: 'Notifies the alarm topic when a rotation of a dashboard database secret fails',
      eventPattern: secretsManagerEvent('RotationFailed', [props.masterSecret, props.appSecret]),
      targets: [new eventsTargets.SnsTopic(alarmTopic, {
        message: events.RuleTargetInput.fromObject({
          alarm: 'A rotation of a Panintelligence dashboard database secret failed: see the log of its rotation function',
          secret: events.EventField.fromPath('$.detail.additionalEventData.SecretId'),
          time: events.EventField.time,
        }),
      })],
    });
    new events.Rule(scope, 'RefreshFailedRule', {
      description: 'Notifies the alarm topic when the fleet refresh after a rotation does not succeed',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new eventsTargets.SnsTopic(alarmTopic, {
        message: events.RuleTargetInput.fromObject({
          alarm: 'The instance refresh after a database password rotation did not succeed: instances may hold credentials that the next rotation invalidates',
          status: events.EventField.fromPath('$.detail.status'),
          execution: events.EventField.fromPath('$.detail.executionArn'),
          time: events.EventField.time,
        }),
      })],
    });
  }

  return new events.Rule(scope, 'RotationSucceeded', {
    description: 'Refreshes the dashboard fleet after its database password rotates',
    eventPattern: secretsManagerEvent('RotationSucceeded', [props.appSecret]),
    targets: [new eventsTargets.SfnStateMachine(stateMachine, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
  });
}

/** Start an instance refresh (after any running one), then poll it until it ends; fail unless it succeeded. */
function refreshStateMachine(
  scope: Construct, group: autoscaling.AutoScalingGroup, warmup: Duration, logRetention: logs.RetentionDays,
): sfn.StateMachine {
  const start = new sfnTasks.CallAwsService(scope, 'StartInstanceRefresh', {
    service: 'autoscaling',
    action: 'startInstanceRefresh',
    parameters: {
      AutoScalingGroupName: group.autoScalingGroupName,
      Preferences: {
        // Launch before terminating: never fewer healthy instances than before.
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 200,
        InstanceWarmup: warmup.toSeconds(),
      },
    },
    iamResources: [group.autoScalingGroupArn],
    iamAction: 'autoscaling:StartInstanceRefresh',
    resultSelector: { 'InstanceRefreshId.$': '$.InstanceRefreshId' },
    resultPath: '$.refresh',
  });
  // A refresh already running (a deployment, an earlier rotation) must finish first.
  start.addRetry({
    errors: ['AutoScaling.InstanceRefreshInProgressException'],
    interval: Duration.minutes(5),
    maxAttempts: 24,
    backoffRate: 1,
  });
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

  const logGroup = new logs.LogGroup(scope, 'RefreshOnRotationLogs', {
    // Under /aws/vendedlogs/ Step Functions delivers logs without adding to the account's
    // CloudWatch Logs resource policy, which has a size limit. The stack's id makes the name
    // unique also against a group a deleted stack of the same name left behind.
    logGroupName: `/aws/vendedlogs/states/${stackUniqueName(scope, 'RefreshOnRotationLogs', 120)}`,
    retention: logRetention,
    removalPolicy: DEFAULTS.logRemovalPolicy,
  });
  const stateMachine = new sfn.StateMachine(scope, 'RefreshOnRotation', {
    definitionBody: sfn.DefinitionBody.fromChainable(start.next(wait).next(describe).next(outcome)),
    timeout: Duration.hours(4),
    tracingEnabled: true,
    logs: {
      destination: logGroup,
      level: sfn.LogLevel.ALL,
      includeExecutionData: false,
    },
  });
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
  ], true);
  return stateMachine;
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
