/**
 * Typed reading of a synthesized template, shared by the template tests: the resources of a
 * type, the subnets of a kind, what a role may do, a resource's security groups, and the
 * logical id a reference names. The tests then state what they expect with Match/Capture or
 * plain values, instead of walking untyped JSON.
 */
import { Template } from 'aws-cdk-lib/assertions';

/** A value in a template: a literal, or an intrinsic function such as `{ Ref: ... }`. */
export type TemplateValue = unknown;

/** One resource of a template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties: { readonly [name: string]: any };
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly [attribute: string]: unknown;
}

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: TemplateValue | TemplateValue[];
  readonly Condition?: TemplateValue;
  readonly Principal?: TemplateValue;
}

interface PolicyDocument {
  readonly Statement: PolicyStatement[];
}

/** The kinds of subnet aws-cdk-lib tags its VPC's subnets with (`aws-cdk:subnet-type`). */
export type SubnetKind = 'Public' | 'Private' | 'Isolated';

/** The resources of `type` (matching `props`, when given), by logical id. */
export function resourcesOf(template: Template, type: string, props?: unknown): Array<[string, TemplateResource]> {
  return Object.entries(template.findResources(type, props === undefined ? undefined : props as object)) as Array<[string, TemplateResource]>;
}

/** The one resource of `type` (matching `props`), failing when there is not exactly one. */
export function theResource(template: Template, type: string, props?: unknown): [string, TemplateResource] {
  const found = resourcesOf(template, type, props);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type}${props ? ' matching' : ''}, found ${found.length}`);
  }
  return found[0];
}

/** The resource with logical id `id`. */
export function resourceById(template: Template, id: string): TemplateResource {
  const resource = template.toJSON().Resources?.[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource as TemplateResource;
}

/** The logical id of the one resource of `type` whose id matches `pattern`. */
export function idOf(template: Template, type: string, pattern: RegExp): string {
  const ids = resourcesOf(template, type).map(([id]) => id).filter((id) => pattern.test(id));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} matching ${pattern}, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0];
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` names; fails on anything else. */
export function refId(value: TemplateValue): string {
  const v = value as { 'Ref'?: unknown; 'Fn::GetAtt'?: unknown[] } | undefined;
  if (typeof v?.Ref === 'string') return v.Ref;
  if (Array.isArray(v?.['Fn::GetAtt']) && typeof v['Fn::GetAtt'][0] === 'string') return v['Fn::GetAtt'][0];
  throw new Error(`not a reference to a resource: ${JSON.stringify(value)}`);
}

/** `{ Ref: id }` of each subnet of the kind `kind` in the template. */
export function subnetsOfKind(template: Template, kind: SubnetKind): Array<{ Ref: string }> {
  return resourcesOf(template, 'AWS::EC2::Subnet')
    .filter(([, subnet]) => (subnet.Properties.Tags as Array<{ Key: string; Value: string }>)
      .some((tag) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === kind))
    .map(([id]) => ({ Ref: id }));
}

/**
 * Every statement that the roles whose logical ids match `role` are given: in their inline
 * policies and in the policies attached to them. Every role when `role` is not given.
 */
export function statementsOf(template: Template, role?: RegExp): PolicyStatement[] {
  const mine = (id: string) => role === undefined || role.test(id);
  const inline = resourcesOf(template, 'AWS::IAM::Role')
    .filter(([id]) => mine(id))
    .flatMap(([, r]) => ((r.Properties.Policies ?? []) as Array<{ PolicyDocument: PolicyDocument }>).map((p) => p.PolicyDocument));
  const attached = [...resourcesOf(template, 'AWS::IAM::Policy'), ...resourcesOf(template, 'AWS::IAM::ManagedPolicy')]
    .filter(([, p]) => role === undefined || ((p.Properties.Roles ?? []) as TemplateValue[]).some((r) => mine(refId(r))))
    .map(([, p]) => p.Properties.PolicyDocument as PolicyDocument);
  return [...inline, ...attached].flatMap((doc) => doc.Statement);
}

/** The actions of a statement, always as a list. */
export function actionsOf(statement: PolicyStatement): string[] {
  return ([] as string[]).concat(statement.Action);
}

/** The resources of a statement, always as a list. */
export function resourcesOfStatement(statement: PolicyStatement): TemplateValue[] {
  return ([] as TemplateValue[]).concat(statement.Resource);
}

/**
 * The logical ids of the security groups a resource is in, wherever its type keeps them:
 * `SecurityGroups`, `SecurityGroupIds`, `VPCSecurityGroups`, a launch template's data, or a
 * function's `VpcConfig`.
 */
export function securityGroupsOf(resource: TemplateResource): string[] {
  const p = resource.Properties;
  const groups: TemplateValue[] = p.SecurityGroups ?? p.SecurityGroupIds ?? p.VPCSecurityGroups
    ?? p.LaunchTemplateData?.SecurityGroupIds ?? p.VpcConfig?.SecurityGroupIds ?? [];
  return groups.map(refId);
}

/** The security group ids of the one resource of `type`. */
export function securityGroupOf(template: Template, type: string): string {
  const [, resource] = resourcesOf(template, type)[0] ?? [];
  if (!resource) throw new Error(`no ${type}`);
  const [group] = securityGroupsOf(resource);
  return group;
}
