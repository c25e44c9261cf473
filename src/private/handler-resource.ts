import * as path from 'path';
import { CustomResource, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DEFAULTS } from './defaults';
import { createLogGroup, LogGroupOptions } from './logging';
import { nagResourceFinding, suppressNag, suppressProviderFrameworkRuntime } from './nag';

/** The source root of the library: `src/`, or `lib/` once compiled. */
const SOURCE_ROOT = path.join(__dirname, '..');

/**
 * The bundle of the handler `<name>.lambda.ts` in `roomDir` (the caller's `__dirname`):
 * `npx projen bundle` writes it to the same place under `assets/`, from `src/` and `lib/` alike.
 */
export function handlerAsset(roomDir: string, name: string): string {
  return path.join(SOURCE_ROOT, '..', 'assets', path.relative(SOURCE_ROOT, roomDir), `${name}.lambda`);
}

/** Internal: a custom resource answered by one of the library's bundled handlers. */
export interface HandlerResourceProps {
  /** Construct ids of the parts. They make the logical ids: never rename them. */
  readonly ids: {
    readonly function: string;
    readonly provider: string;
    readonly providerLogs: string;
    readonly resource: string;
  };
  /** The function: its bundled code, role, network and limits. Runtime and entry point are the library's. */
  readonly function: Omit<lambda.FunctionProps, 'runtime' | 'handler'>;
  /** The log group of aws-cdk-lib's provider function. */
  readonly providerLogs: LogGroupOptions;
  readonly resourceType: string;
  readonly properties: Record<string, unknown>;
  /** @default - the custom resource's own default (DESTROY: deleting it runs the handler's Delete) */
  readonly removalPolicy?: RemovalPolicy;
  /** Why cdk-nag's findings on aws-cdk-lib's provider function are fine for this resource. */
  readonly providerReasons: {
    /** It logs with the AWSLambdaBasicExecutionRole managed policy. */
    readonly basicExecutionRole: string;
    /** It may invoke every version of the function (a `:*` resource). */
    readonly invoke: string;
  };
}

/** The parts of a {@link handlerResource}. */
export interface HandlerResource {
  readonly function: lambda.Function;
  readonly provider: cr.Provider;
  readonly resource: CustomResource;
}

/**
 * A function of the library, aws-cdk-lib's provider framework around it (which always answers
 * CloudFormation, also when the function fails or times out), the custom resource, and the
 * cdk-nag suppressions that the provider function needs. The caller adds what its own function
 * needs (grants, dependencies, its own suppressions).
 */
export function handlerResource(scope: Construct, props: HandlerResourceProps): HandlerResource {
  const { ids } = props;
  const fn = new lambda.Function(scope, ids.function, {
    ...props.function,
    runtime: DEFAULTS.handlerRuntime,
    handler: 'index.handler',
  });
  const provider = new cr.Provider(scope, ids.provider, {
    onEventHandler: fn,
    logGroup: createLogGroup(scope, ids.providerLogs, props.providerLogs),
    // Beside its function: the provider reaches the Lambda API and CloudFormation's answer URL
    // (S3) the way the function reaches its own APIs, and no function of ours runs outside the VPC.
    ...providerNetwork(props.function),
  });
  const resource = new CustomResource(scope, ids.resource, {
    resourceType: props.resourceType,
    serviceToken: provider.serviceToken,
    properties: props.properties,
    removalPolicy: props.removalPolicy,
  });

  suppressProviderFrameworkRuntime(provider);
  const framework = provider.node.findChild('framework-onEvent') as lambda.Function;
  suppressNag(framework.role!, [{
    id: 'AwsSolutions-IAM4',
    reason: props.providerReasons.basicExecutionRole,
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
  if (props.function.vpc) {
    suppressProviderVpcPolicy(framework.role!);
  }
  suppressNag(framework.role!.node.findChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: props.providerReasons.invoke,
    appliesTo: [nagResourceFinding(fn, `${fn.functionArn}:*`)],
  }]);
  return { function: fn, provider, resource };
}

/** The network of a provider whose handler runs in a VPC: the same subnets and security groups. */
export function providerNetwork(fn: Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'>): Pick<cr.ProviderProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
  return fn.vpc ? { vpc: fn.vpc, vpcSubnets: fn.vpcSubnets, securityGroups: fn.securityGroups } : {};
}

/** cdk-nag's finding on the managed policy aws-cdk-lib gives a provider function in a VPC. */
export function suppressProviderVpcPolicy(role: Construct): void {
  suppressNag(role, [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s provider function runs in the VPC beside the handler it relays to, and takes its network interfaces with the AWSLambdaVPCAccessExecutionRole managed policy.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
  }]);
}
