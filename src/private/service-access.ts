import { Aws, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * What AWS services may do for this construct, each grant tied to the resources it was made for
 * so that no other account's (or other resource's) event can use it: the confused deputy.
 */

/** `aws:SourceAccount` and `aws:SourceArn` conditions: this account, and one of `sourceArns`. */
export function sourceConditions(scope: Construct, sourceArns: string[]): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    ArnLike: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : sourceArns },
  };
}

/** A service principal that may act only for `sourceArns` of this account (for role trust policies). */
export function servicePrincipalFor(scope: Construct, service: string, sourceArns: string[]): iam.IPrincipal {
  return new iam.ServicePrincipal(service).withConditions(sourceConditions(scope, sourceArns));
}

/**
 * Lets `service` publish to `topic` for `sources` of this account only, and, when the topic is
 * encrypted with a key of this app, use that key for SNS topics of this account and region only.
 * The key statement is conditioned on SNS's encryption context (the topic's ARN) rather than on
 * the source: SNS does not pass `aws:SourceAccount` or `aws:SourceArn` on to KMS for every service
 * (for EventBridge it is documented as unsupported), and a condition that is never met would
 * drop every notification without a trace. An imported topic or key keeps its owner's policy.
 */
export function allowServiceToPublish(scope: Construct, topic: sns.ITopic, service: string, sources: PublishSources): void {
  // A topic of another stack cannot refer to this stack's resources (that stack would depend on
  // this one, which depends on the topic): it names them by a pattern of this account instead.
  const sameStack = Stack.of(topic) === Stack.of(scope);
  topic.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['sns:Publish'],
    principals: [new iam.ServicePrincipal(service)],
    resources: [topic.topicArn],
    conditions: sourceConditions(scope, sameStack ? sources.arns : [accountArn(scope, sources.pattern)]),
  }));
  // By pattern: the topic refers to its key, so the key's policy cannot refer to the topic.
  topic.masterKey?.addToResourcePolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    principals: [new iam.ServicePrincipal(service)],
    resources: ['*'],
    conditions: { StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': accountArn(scope, 'sns:*') } },
  }));
}

/** The resources a service publishes for. */
export interface PublishSources {
  /** Their ARNs. */
  readonly arns: string[];
  /**
   * `service:resource-type` part of an ARN pattern of this account and region that covers them
   * (e.g. `cloudwatch:alarm:*`), for a topic in another stack.
   */
  readonly pattern: string;
}

/** `arn:<partition>:<service:resource>` with this stack's region and account in between. */
function accountArn(scope: Construct, serviceAndResource: string): string {
  const stack = Stack.of(scope);
  const [service, ...resource] = serviceAndResource.split(':');
  return `arn:${Aws.PARTITION}:${service}:${stack.region}:${stack.account}:${resource.join(':')}`;
}

/**
 * An EventBridge target that publishes `message` to `topic` and grants nothing itself, unlike
 * aws-cdk-lib's SnsTopic target (whose grant is not tied to the rule): the caller grants with
 * {@link allowServiceToPublish} for the rules that use it.
 */
export class TopicTarget implements events.IRuleTarget {
  constructor(private readonly topic: sns.ITopic, private readonly message: events.RuleTargetInput) {}

  public bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, input: this.message };
  }
}

/** The ARN of a rule on the account's default event bus, from its name (no reference to the rule). */
export function defaultBusRuleArn(scope: Construct, ruleName: string): string {
  const stack = Stack.of(scope);
  return `arn:${Aws.PARTITION}:events:${stack.region}:${stack.account}:rule/${ruleName}`;
}
