// Every notification reaches alarmTopic: CloudWatch alarms, EventBridge rules (failed rotations
// and refreshes), AWS Backup and Auto Scaling, whether the topic is plain, encrypted with a key of
// this app, or imported (then synth says what its owner must add).
import { Annotations as CoreAnnotations, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { only, synth } from './util';
import { IMPORTED_KEY_WARNING, IMPORTED_TOPIC_WARNING } from '../src/private/notifications';

const ACCOUNT = '123456789012';
const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];
const SLR = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`]] };

/** Statements of the key policy that let `principal` encrypt for the topic. */
function keyGrants(template: Template, principal: unknown): any[] {
  return only(template, 'AWS::KMS::Key').Properties.KeyPolicy.Statement
    .filter((s: any) => JSON.stringify(s.Action) === JSON.stringify(KEY_ACTIONS) && JSON.stringify(s.Principal).includes(JSON.stringify(principal)));
}

function warnings(stack: Stack, id: string): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id)).map((w) => String(w.entry.data));
}

describe('an alarm topic encrypted with a key of this app', () => {
  let template: Template;
  let stack: Stack;
  let topicId: string;

  beforeAll(() => {
    ({ template, stack } = synth((s) => ({ alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: new kms.Key(s, 'TopicKey', { enableKeyRotation: true }) }) })));
    topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  });

  test('CloudWatch alarms may encrypt for SNS topics of this account and region only', () => {
    // SNS's encryption context, not the source: the key cannot name the topic that names it.
    expect(keyGrants(template, 'cloudwatch.amazonaws.com')).toEqual([{
      Action: KEY_ACTIONS,
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:eu-west-2:${ACCOUNT}:*`]] } } },
    }]);
  });

  test('Auto Scaling\'s service-linked role may encrypt for this topic, matched by its ARN', () => {
    expect(keyGrants(template, '*')).toEqual([{
      Action: KEY_ACTIONS,
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Resource: '*',
      Condition: { ArnEquals: { 'aws:PrincipalArn': SLR } },
    }]);
    // The group does notify the topic.
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.NotificationConfigurations)
      .toEqual([expect.objectContaining({ TopicARN: { Ref: topicId } })]);
  });

  test('EventBridge and AWS Backup may use the key and publish', () => {
    expect(keyGrants(template, 'events.amazonaws.com')).toHaveLength(1);
    expect(keyGrants(template, 'backup.amazonaws.com')).toHaveLength(1);
    const statements = only(template, 'AWS::SNS::TopicPolicy').Properties.PolicyDocument.Statement;
    for (const service of ['events.amazonaws.com', 'backup.amazonaws.com']) {
      expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Effect: 'Allow', Principal: { Service: service } }));
    }
  });

  test('no warning: the construct granted everything itself', () => {
    expect(warnings(stack, 'alarmTopic')).toEqual([]);
  });
});

test('a plain topic of this app lets CloudWatch alarms publish, which its own policy would otherwise stop', () => {
  const { template, stack } = synth((s) => ({ alarmTopic: new sns.Topic(s, 'Alarms') }));
  const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  expect(only(template, 'AWS::SNS::TopicPolicy').Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
    Action: 'sns:Publish',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Resource: { Ref: topicId },
    // This account's alarms of this dashboard only.
    Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': expect.any(Array) } },
  }));
  template.resourceCountIs('AWS::KMS::Key', 0);
  expect(warnings(stack, 'alarmTopic')).toEqual([]);
});

describe('an imported topic', () => {
  const TOPIC_ARN = `arn:aws:sns:eu-west-2:${ACCOUNT}:ops-alarms`;

  test('synth warns with the topic-policy and key-policy statements its owner must add', () => {
    const { stack, template } = synth((s) => ({ alarmTopic: sns.Topic.fromTopicArn(s, 'Ops', TOPIC_ARN) }));
    const [topicWarning] = warnings(stack, IMPORTED_TOPIC_WARNING);
    expect(topicWarning).toContain(`alarmTopic ${TOPIC_ARN} is imported`);
    const topicStatement = JSON.parse(/(\{"Action":"sns:Publish".*\})(?: \[ack)?/.exec(topicWarning)![1].replace(/ \[ack.*$/, ''));
    expect(topicStatement).toEqual({
      Action: 'sns:Publish',
      Effect: 'Allow',
      Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'backup.amazonaws.com'] },
      Resource: TOPIC_ARN,
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
    const [keyWarning] = warnings(stack, IMPORTED_KEY_WARNING);
    expect(keyWarning).toContain('if the topic is encrypted with a customer managed key');
    for (const principal of ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'backup.amazonaws.com', 'AWSServiceRoleForAutoScaling']) {
      expect(keyWarning).toContain(principal);
    }
    expect(keyWarning).toContain(`"kms:EncryptionContext:aws:sns:topicArn":"${TOPIC_ARN}"`);
    // The alarms and rules still send to it.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [TOPIC_ARN] });
  });

  test('the warnings can be acknowledged once the statements are in place', () => {
    const { stack } = synth((s) => {
      return { alarmTopic: sns.Topic.fromTopicArn(s, 'Ops', TOPIC_ARN) };
    });
    expect(warnings(stack, 'alarmTopic')).toHaveLength(2);
    const acknowledged = synth((s) => ({ alarmTopic: sns.Topic.fromTopicArn(s, 'Ops', TOPIC_ARN) }), (dashboard) => {
      CoreAnnotations.of(dashboard).acknowledgeWarning(IMPORTED_TOPIC_WARNING, 'added by the platform team');
      CoreAnnotations.of(dashboard).acknowledgeWarning(IMPORTED_KEY_WARNING, 'the topic uses the AWS managed key');
    });
    expect(warnings(acknowledged.stack, 'alarmTopic')).toEqual([]);
  });
});

test('a topic of this app with an imported key: the topic is granted, the key\'s statements are named', () => {
  const { stack, template } = synth((s) => ({
    alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: kms.Key.fromKeyArn(s, 'Shared', `arn:aws:kms:eu-west-2:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`) }),
  }));
  expect(warnings(stack, IMPORTED_TOPIC_WARNING)).toEqual([]);
  const [keyWarning] = warnings(stack, IMPORTED_KEY_WARNING);
  expect(keyWarning).toMatch(/^the key of alarmTopic \(arn:aws:kms:eu-west-2:123456789012:key\/1111.*\) is imported/);
  expect(keyWarning).toContain('cloudwatch.amazonaws.com');
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
  });
});

describe('without alarmTopic: the construct\'s own topic', () => {
  let template: Template;
  let stack: Stack;
  let topicRef: unknown;

  beforeAll(() => {
    let dashboard: any;
    ({ template, stack, dashboard } = synth());
    topicRef = stack.resolve((dashboard.alarmTopic as sns.ITopic).topicArn);
  });

  test('one topic, TLS-only, exposed as alarmTopic so it can be subscribed to', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    expect(topicRef).toEqual({ Ref: topicId });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('every alarm of the monitoring notifies it, on ALARM and OK (the scaling alarms drive their policies)', () => {
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /Monitoring/.test(id)).map(([, alarm]) => alarm);
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
    }
  });

  test('scaling, backup and failure notices go to it too, and its publishers are granted', () => {
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.NotificationConfigurations).toEqual([expect.objectContaining({ TopicARN: topicRef })]);
    template.hasResourceProperties('AWS::Backup::BackupVault', { Notifications: Match.objectLike({ SNSTopicArn: topicRef }) });
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r: any) => (r.Properties.Targets ?? []).some((t: any) => JSON.stringify(t.Arn) === JSON.stringify(topicRef)));
    expect(rules.length).toBeGreaterThanOrEqual(2);
    const publishers = template.findResources('AWS::SNS::TopicPolicy');
    expect(JSON.stringify(publishers)).toMatch(/cloudwatch\.amazonaws\.com/);
    expect(warnings(stack, IMPORTED_TOPIC_WARNING)).toEqual([]);
  });

  test('a given alarmTopic replaces it', () => {
    const given = synth((s) => ({ alarmTopic: sns.Topic.fromTopicArn(s, 'Ops', `arn:aws:sns:eu-west-2:${ACCOUNT}:ops`) }));
    given.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(given.dashboard.alarmTopic.topicArn).toBe(`arn:aws:sns:eu-west-2:${ACCOUNT}:ops`);
  });
});
