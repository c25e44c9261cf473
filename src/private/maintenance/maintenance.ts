import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WeekDayCode, WindowSpec } from './window';
import type { MaintenanceWindow } from '../../maintenance-window';
import { DEFAULTS } from '../defaults';
import { VPC_FUNCTION_ACTIONS } from '../function-role';
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
  /**
   * The VPC and subnets to run in, when those subnets route out to the AWS APIs.
   * @default - outside the VPC
   */
  readonly network?: {
    readonly vpc: ec2.IVpc;
    readonly vpcSubnets: ec2.SubnetSelection;
    /** The Secrets Manager interface endpoint with private DNS, when the VPC has one: it must admit the function. */
    readonly secretsManagerEndpoint?: ec2.IConnectable;
  };
}

/**
 * The function behind two steps of the rotation refresh: `plan` (when the maintenance window next
 * opens) and `check` (whether an instance started before the app secret last changed). It only
 * calls AWS APIs (EC2, Secrets Manager): it runs in the VPC like the library's other functions
 * when its subnets route out, and outside it otherwise, so it works without a NAT gateway or
 * endpoints too. It may describe the app secret, never read its value.
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
          // EC2 takes no narrower resource for describe actions, nor for a function's network
          // interfaces (what AWSLambdaVPCAccessExecutionRole grants), in force before it is created.
          new iam.PolicyStatement({
            actions: ['ec2:DescribeInstances', ...(props.network ? VPC_FUNCTION_ACTIONS : [])],
            resources: ['*'],
          }),
        ],
      }),
    },
  });
  suppressNag(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'ec2:DescribeInstances, which the fleet check uses to read the instances\' launch times, and the network-interface '
      + 'actions of a function in a VPC take no narrower resource than *.',
    appliesTo: ['Resource::*'],
  }]);
  const network = props.network && {
    vpc: props.network.vpc,
    vpcSubnets: props.network.vpcSubnets,
    securityGroups: [new ec2.SecurityGroup(scope, `${id}SecurityGroup`, {
      vpc: props.network.vpc,
      description: 'Dashboard maintenance-window fleet check: HTTPS out to the EC2 and Secrets Manager APIs only',
      allowAllOutbound: false,
    })],
  };
  if (network) {
    network.securityGroups[0].addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'EC2 and Secrets Manager APIs');
    props.network?.secretsManagerEndpoint?.connections.allowDefaultPortFrom(network.securityGroups[0], 'Secrets Manager API over the interface endpoint');
  }
  return new lambda.Function(scope, id, {
    description: 'Plans the Panintelligence dashboard refresh in the maintenance window and checks the fleet against the app secret',
    runtime: DEFAULTS.handlerRuntime,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(FLEET_CHECK_HANDLER_ASSET),
    role,
    memorySize: 256,
    timeout: Duration.minutes(1),
    logGroup,
    ...network,
    environment: {
      SECRET_ARN: props.secret.secretArn,
      GROUP_NAME: props.group.autoScalingGroupName,
      WINDOW_DAY: props.window.day,
      WINDOW_START_HOUR: `${props.window.startHour}`,
      WINDOW_HOURS: `${props.window.hours}`,
    },
  });
}
