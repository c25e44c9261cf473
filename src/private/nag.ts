import * as cdk from 'aws-cdk-lib';
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { InternalError } from './validation';

/**
 * One accepted cdk-nag finding and why it is acceptable here.
 *
 * cdk-nag is not a dependency of this library, so suppressions are written in the two formats
 * that cdk-nag reads: the `cdk_nag` resource metadata of cdk-nag 2 and the acknowledged-rules
 * construct metadata of cdk-nag 3 (`Validations.acknowledge`, see `acknowledgeRules`).
 */
export interface NagSuppression {
  /** Rule id, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is acceptable in this architecture (at least 10 characters). */
  readonly reason: string;
  /** Finding ids the suppression is limited to, e.g. `Resource::<Bucket.Arn>/*`. */
  readonly appliesTo?: string[];
}

/**
 * Suppresses cdk-nag findings on the CloudFormation resource behind `construct`, or on every
 * resource beneath it when `applyToChildren` is set.
 */
export function suppressNag(construct: IConstruct, suppressions: NagSuppression[], applyToChildren = false): void {
  const resources = applyToChildren
    ? construct.node.findAll().filter(CfnResource.isCfnResource)
    : [cfnResourceOf(construct)];
  for (const resource of resources) {
    const current: object[] = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
    const added = suppressions.map((s) => ({ id: s.id, reason: s.reason, ...(s.appliesTo ? { applies_to: s.appliesTo } : {}) }));
    // The same suppression may come twice (e.g. two dashboards share a stack-wide resource).
    const rules = [...new Map([...current, ...added].map((rule) => [JSON.stringify(rule), rule])).values()];
    resource.addMetadata('cdk_nag', { rules_to_suppress: rules });
    for (const s of suppressions) {
      const ids = s.appliesTo ? s.appliesTo.map((finding) => `${s.id}[${finding}]`) : [s.id];
      acknowledgeRules(resource, ids.map((id) => ({ id, reason: s.reason })));
    }
  }
}

/** The part of aws-cdk-lib's `Validations` (2.251.0) that this library uses. */
interface ValidationsApi {
  of(scope: IConstruct): { acknowledge(...rules: { id: string; reason: string }[]): void };
}

/**
 * Acknowledges validation rules on `construct` through aws-cdk-lib's `Validations`, which
 * cdk-nag 3 and aws-cdk-lib's own template checks read. `Validations` is newer than the oldest
 * aws-cdk-lib this library supports; a release without it has neither of those readers, so there
 * the call records nothing (cdk-nag 2 reads the `cdk_nag` metadata that `suppressNag` writes).
 */
export function acknowledgeRules(construct: IConstruct, rules: { id: string; reason: string }[]): void {
  const validations = (cdk as { Validations?: ValidationsApi }).Validations;
  validations?.of(construct).acknowledge(...rules);
}

/**
 * aws-cdk-lib's provider framework functions (`framework-onEvent`, and `framework-isComplete`
 * and `framework-onTimeout` when there are any) run aws-cdk-lib's code on the runtime aws-cdk-lib
 * picks for them, which may trail the newest runtime that aws-cdk-lib lists and cdk-nag compares
 * with (`AwsSolutions-L1`); `cr.Provider` has no prop to choose it. The library's own functions
 * do follow the newest runtime (`newestNodeRuntime`).
 */
export function suppressProviderFrameworkRuntime(provider: IConstruct): void {
  for (const child of provider.node.children) {
    if (child instanceof lambda.Function && child.node.id.startsWith('framework-')) {
      suppressNag(child, [{
        id: 'AwsSolutions-L1',
        reason: 'The runtime of aws-cdk-lib\'s provider framework function is chosen by aws-cdk-lib for its own code, not by this library.',
      }]);
    }
  }
}

function cfnResourceOf(construct: IConstruct): CfnResource {
  const candidate = construct.node.defaultChild ?? construct;
  if (!CfnResource.isCfnResource(candidate)) {
    throw new InternalError(`${construct.node.path} has no CloudFormation resource to attach a cdk-nag suppression to`);
  }
  return candidate;
}

/**
 * The IAM resource `arn` the way cdk-nag names it in a finding (`<Logical.Attr>` for references),
 * so a wildcard finding can be suppressed by its exact id. Logical ids are read when this is
 * called: call it after the resources involved are created.
 */
export function nagResourceFinding(scope: IConstruct, arn: string): string {
  if (!Token.isUnresolved(arn)) {
    return `Resource::${arn}`;
  }
  return `Resource::${flatten(Stack.of(scope).resolve(arn))}`;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const v = value as Record<string, any>;
  if (v['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (v.Ref) {
    return `<${v.Ref}>`;
  }
  if (v['Fn::GetAtt']) {
    return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(value);
}
