import { CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { InternalError } from './validation';

/**
 * One accepted cdk-nag finding and why it is acceptable here.
 *
 * cdk-nag is not a dependency of this library, so suppressions are written in the two formats
 * that cdk-nag reads: the `cdk_nag` resource metadata of cdk-nag 2 and the acknowledged-rules
 * construct metadata of cdk-nag 3 (`Validations.acknowledge`).
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
      Validations.of(resource).acknowledge(...ids.map((id) => ({ id, reason: s.reason })));
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
