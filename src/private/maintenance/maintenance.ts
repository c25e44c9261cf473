import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WeekDayCode, WindowSpec } from './window';
import type { MaintenanceWindow } from '../../maintenance-window';
import { DEFAULTS } from '../defaults';
import { handlerAsset } from '../handler-resource';
import { createLogGroup } from '../logging';
import { suppressNag } from '../nag';

/** The bundled fleet-check handler (`npx projen bundle`), the same path from `src/` and `lib/`. */
export const FLEET_CHECK_HANDLER_ASSET = handlerAsset(__dirname, 'fleet-check');

/** The window as plain values (validated by the dashboard's rules: concrete, whole hours). */
export function windowSpec(window: MaintenanceWindow): WindowSpec {
  return {
    day: window.day as string as WeekDayCode,
    startHour: window.startHour,
    hours: (window.duration ?? DEFAULTS.maintenanceWindowDuration).toHours(),
  };
}

/** Internal: what the fleet check needs. */
export interface FleetCheckFunctionProps {
  /** The app secret, whose last change the instances' launch times are compared with. */
  readonly secret: secretsmanager.ISecret;
  readonly group: autoscaling.IAutoScalingGroup;
  readonly window: WindowSpec;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The function behind two steps of the rotation refresh: `plan` (when the maintenance window next
 * opens) and `check` (whether an instance started before the app secret last changed). It runs
 * outside the VPC: it only calls AWS APIs, and must work in a VPC without a NAT gateway too. It
 * may describe the app secret, never read its value.
 */
export function fleetCheckFunction(scope: Construct, id: string, props: FleetCheckFunctionProps): lambda.Function {
  const logGroup = createLogGroup(scope, `${id}Logs`, { retention: props.logRetention });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Panintelligence dashboard maintenance-window fleet check',
    inlinePolicies: {
      check: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
          new iam.PolicyStatement({
            actions: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
            resources: [props.secret.secretArn],
          }),
          // EC2 takes no narrower resource for describe actions.
          new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
        ],
      }),
    },
  });
  suppressNag(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'ec2:DescribeInstances, which the fleet check uses to read the instances\' launch times, takes no narrower resource than *.',
    appliesTo: ['Resource::*'],
  }]);
  return new lambda.Function(scope, id, {
    description: 'Plans the Panintelligence dashboard refresh in the maintenance window and checks the fleet against the app secret',
    runtime: DEFAULTS.handlerRuntime,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(FLEET_CHECK_HANDLER_ASSET),
    role,
    memorySize: 256,
    timeout: Duration.minutes(1),
    logGroup,
    environment: {
      SECRET_ARN: props.secret.secretArn,
      GROUP_NAME: props.group.autoScalingGroupName,
      WINDOW_DAY: props.window.day,
      WINDOW_START_HOUR: `${props.window.startHour}`,
      WINDOW_HOURS: `${props.window.hours}`,
    },
  });
}
