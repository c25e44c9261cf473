import { Annotations, Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { suppressNag } from './nag';

/** Warning ids, to acknowledge with `Annotations.of(dashboard).acknowledgeWarning(id)`. */
export const IMPORTED_TOPIC_WARNING = '@panintelligence/cdk-dashboard:alarmTopicPolicy';
export const IMPORTED_KEY_WARNING = '@panintelligence/cdk-dashboard:alarmTopicKey';

/** The services that publish to the alarm topic, by the service principal the topic's policy names. */
export const TOPIC_PUBLISHERS = [
  // CloudWatch alarms.
  'cloudwatch.amazonaws.com',
  // EventBridge: failed rotations and refreshes.
  'events.amazonaws.com',
  // AWS Backup: failed and expired backup jobs, finished restores.
  'backup.amazonaws.com',
];

/** Scaling notifications are sent as the Auto Scaling service-linked role of the account. */
export function autoScalingRoleArn(account: string): string {
  return `arn:${Aws.PARTITION}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}

const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/** What a service needs on the topic: publish, for this account's resources only. */
function topicStatement(topic: sns.ITopic, services: string[], account: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: services.map((service) => new iam.ServicePrincipal(service)),
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { StringEquals: { 'aws:SourceAccount': account } },
  });
}

/**
 * What publishers need on the topic's key: SNS encrypts each message with a data key made under
 * the publisher's identity. For this account; and, given its ARN, for that topic only (SNS's
 * encryption context). The key of a topic of this app cannot name the topic, which names the key.
 */
export function keyStatements(services: string[], account: string, topicArn?: string): iam.PolicyStatement[] {
  const forTopic = topicArn ? { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } : {};
  return [
    new iam.PolicyStatement({
      principals: services.map((service) => new iam.ServicePrincipal(service)),
      actions: KEY_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': account, ...forTopic } },
    }),
    new iam.PolicyStatement({
      // The role may not exist yet (Auto Scaling makes it with the account's first group), and a key
      // policy naming a missing role is refused: the role is matched by its ARN instead.
      principals: [new iam.AnyPrincipal()],
      actions: KEY_ACTIONS,
      resources: ['*'],
      conditions: { ArnEquals: { 'aws:PrincipalArn': autoScalingRoleArn(account) }, ...(topicArn ? { StringEquals: forTopic } : {}) },
    }),
  ];
}

/**
 * Lets every service that notifies `topic` deliver: CloudWatch alarms, EventBridge rules, AWS
 * Backup and Auto Scaling. The first three are granted on a topic of this app, and on its key,
 * where their alarms, rules and vault are made, each for those resources only
 * (`allowServiceToPublish`); Auto Scaling's service-linked role is granted the key here. For an
 * imported topic or key, which the construct cannot change, synth warns with every statement its
 * owner must add.
 */
export function allowAlarmTopicPublishers(scope: Construct, topic: sns.ITopic): void {
  const stack = Stack.of(scope);
  const account = stack.account;

  // A topic of this app gets each publisher's statement, tied to its alarms, rules or vault,
  // where they are made (allowServiceToPublish); an imported topic's policy is its owner's.
  const ownTopic = topic instanceof sns.Topic;
  if (!ownTopic) {
    Annotations.of(scope).addWarningV2(IMPORTED_TOPIC_WARNING,
      `alarmTopic ${describe(stack, topic.topicArn)} is imported, so its access policy cannot be changed here: add this statement to it, `
      + 'or CloudWatch alarms, EventBridge rules and AWS Backup cannot publish to it: '
      + render(stack, topicStatement(topic, TOPIC_PUBLISHERS, account)));
  }

  // An imported topic does not say how it is encrypted; a topic of this app does. The services'
  // own key statements come with their topic statements; Auto Scaling's role needs its own.
  const key = topic.masterKey;
  const keyAdded = key
    ? key.addToResourcePolicy(keyStatements([], account)[1]).statementAdded
    : ownTopic;
  if (!keyAdded) {
    Annotations.of(scope).addWarningV2(IMPORTED_KEY_WARNING,
      `${key ? `the key of alarmTopic (${describe(stack, key.keyArn)}) is imported` : `alarmTopic ${describe(stack, topic.topicArn)} is imported`}: `
      + 'if the topic is encrypted with a customer managed key, add these statements to the key\'s policy, or no notification is delivered: '
      + keyStatements(TOPIC_PUBLISHERS, account, topic.topicArn).map((statement) => render(stack, statement)).join(' '));
  }
}

/** A value for a message: the value itself, or a placeholder when it is a token. */
function describe(stack: Stack, value: string): string {
  return Token.isUnresolved(value) ? JSON.stringify(stack.resolve(value)) : value;
}

/** A statement as JSON, tokens resolved to the CloudFormation they stand for. */
function render(stack: Stack, statement: iam.PolicyStatement): string {
  return JSON.stringify(stack.resolve(statement.toStatementJson()));
}

/**
 * The alarm topic the dashboard makes when `alarmTopic` is not given, so its alarms and failure
 * notices have somewhere to go; subscribers are the user's to add. Publishers are granted by
 * `allowAlarmTopicPublishers`.
 */
export function createAlarmTopic(scope: Construct, id: string, encryptionKey?: kms.IKey): sns.Topic {
  const topic = new sns.Topic(scope, id, {
    displayName: 'Panintelligence dashboard alarms',
    enforceSSL: true,
    masterKey: encryptionKey,
  });
  if (!encryptionKey) {
    suppressNag(topic, [{
      id: 'AwsSolutions-SNS2',
      reason: 'The dashboard\'s own alarm topic carries alarm names and states and failure notices, not the dashboard\'s data; '
        + 'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key. Give encryptionKey a customer managed key to encrypt it.',
    }]);
  }
  return topic;
}
