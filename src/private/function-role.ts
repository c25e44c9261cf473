import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { suppressNag } from './nag';

/** The network-interface actions of a function in a VPC: what AWSLambdaVPCAccessExecutionRole grants. */
export const VPC_FUNCTION_ACTIONS: ReadonlyArray<string> = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * The role of a function that runs in the VPC and logs to its own group: the network-interface
 * actions of AWSLambdaVPCAccessExecutionRole and writing to `logGroup`, nothing else. They are
 * in the role itself rather than in a separate policy, so they are in force when Lambda checks
 * them on creating the function in the VPC. Callers add what the function itself needs.
 */
export function vpcFunctionRole(scope: Construct, id: string, description: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
    inlinePolicies: {
      'vpc-and-logs': new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            // What AWSLambdaVPCAccessExecutionRole grants; EC2 takes no narrower resource here.
            actions: [...VPC_FUNCTION_ACTIONS],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  suppressNag(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'The network-interface actions a function in a VPC needs take no narrower resource than *.',
    appliesTo: ['Resource::*'],
  }]);
  return role;
}
