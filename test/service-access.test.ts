// Every AWS service the construct lets act for it (publish to the alarm topic, use its key,
// assume a role) is tied to this account and, where AWS supports it, to the resource it acts for.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { build, customised } from '../fixtures/scenarios';
import { PanintelligenceDashboard } from '../src';
import { baseProps, synth } from './util';

const ACCOUNT = '123456789012';
const arnOf = (service: string, resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:eu-west-2:${ACCOUNT}:${resource}`]] });

interface ServiceStatement {
  readonly resource: string;
  readonly kind: 'topic' | 'key' | 'trust';
  readonly service: string;
  readonly statement: any;
}

/** Statements of topic policies, key policies and role trust policies that name a service principal. */
function serviceStatements(template: Template): ServiceStatement[] {
  const found: ServiceStatement[] = [];
  const documents: Array<[string, ServiceStatement['kind'], string]> = [
    ['AWS::SNS::TopicPolicy', 'topic', 'PolicyDocument'],
    ['AWS::KMS::Key', 'key', 'KeyPolicy'],
    ['AWS::IAM::Role', 'trust', 'AssumeRolePolicyDocument'],
  ];
  for (const [type, kind, property] of documents) {
    for (const [id, resource] of Object.entries(template.findResources(type)) as Array<[string, any]>) {
      for (const statement of resource.Properties[property]?.Statement ?? []) {
        for (const service of [].concat(statement.Principal?.Service ?? [])) {
          found.push({ resource: id, kind, service, statement });
        }
      }
    }
  }
  return found;
}

/** The logical ids of the resources of `type` whose id matches `pattern`. */
function ids(template: Template, type: string, pattern: RegExp): string[] {
  return Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
}

/** A CloudFormation string as text, references as `<Name>` (`<AWS::StackId>` for the stack id's parts). */
function flatten(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return `<${value.Ref}>`;
  if (value['Fn::Join']) return (value['Fn::Join'][1] as any[]).map(flatten).join(value['Fn::Join'][0]);
  // Fn::Select of Fn::Split of the stack id: the stack's unique suffix.
  if (value['Fn::Select']) return JSON.stringify(value).includes('AWS::StackId') ? '<AWS::StackId>' : JSON.stringify(value);
  return JSON.stringify(value);
}

const getAtts = (logicalIds: string[], attribute = 'Arn') => logicalIds.map((id) => ({ 'Fn::GetAtt': [id, attribute] }));

describe('an alarm topic of the user\'s, encrypted with a key of the app', () => {
  let template: Template;
  let statements: ServiceStatement[];

  beforeAll(() => {
    template = Template.fromStack(build(customised).stack);
    statements = serviceStatements(template);
  });

  test('every service publishing to the topic is tied to this account and to the resources it publishes for', () => {
    const topic = statements.filter((s) => s.kind === 'topic');
    // EventBridge twice: the rotation rules, and the pre-upgrade backup's rule.
    expect(topic.map((s) => s.service).sort()).toEqual(['backup.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com', 'events.amazonaws.com']);
    const sources = (service: string) => topic.find((s) => s.service === service)!.statement;
    expect(sources('cloudwatch.amazonaws.com').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': getAtts(ids(template, 'AWS::CloudWatch::Alarm', /^DashboardMonitoring/)) },
    });
    expect(sources('events.amazonaws.com').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': getAtts([...ids(template, 'AWS::Events::Rule', /RotationFailedRule/), ...ids(template, 'AWS::Events::Rule', /RefreshFailedRule/)]) },
    });
    expect(topic.filter((s) => s.service === 'events.amazonaws.com')[1].statement.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': getAtts(ids(template, 'AWS::Events::Rule', /^DashboardPreUpgradeBackupFailedRule/))[0] },
    });
    expect(sources('backup.amazonaws.com').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': getAtts(ids(template, 'AWS::Backup::BackupVault', /^DashboardBackupVault/), 'BackupVaultArn')[0] },
    });
    for (const s of topic) {
      expect([s.service, s.statement.Action, s.statement.Effect]).toEqual([s.service, 'sns:Publish', 'Allow']);
    }
  });

  test('the alarms of the source condition are exactly the ones that notify the topic', () => {
    const topicId = ids(template, 'AWS::SNS::Topic', /^Alarms/)[0];
    const notifying = Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
      .filter(([, a]: [string, any]) => (a.Properties.AlarmActions ?? []).some((action: any) => action.Ref === topicId))
      .map(([id]) => id);
    // The nine default alarms and the firewall's, which this app switches on.
    expect(notifying).toHaveLength(10);
    const cloudwatch = statements.find((s) => s.kind === 'topic' && s.service === 'cloudwatch.amazonaws.com')!;
    expect(cloudwatch.statement.Condition.ArnLike['aws:SourceArn']).toEqual(getAtts(notifying));
  });

  test('services may use the topic\'s key only for SNS topics of this account and region', () => {
    const key = statements.filter((s) => s.kind === 'key');
    expect(key.map((s) => s.service).sort()).toEqual(['backup.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    for (const s of key) {
      expect(s.statement).toEqual({
        Effect: 'Allow',
        Principal: { Service: s.service },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': arnOf('sns', '*') } },
      });
    }
  });

  test('EventBridge starts the fleet refresh only for its two rules; Step Functions acts only for this account\'s state machines', () => {
    const events = statements.filter((s) => s.kind === 'trust' && s.service === 'events.amazonaws.com');
    expect(events).toHaveLength(1);
    const rules = [/RotationSucceeded/, /WindowCheck/].map((name) => template.toJSON().Resources[ids(template, 'AWS::Events::Rule', name)[0]]);
    // The rules' ARNs, built from their names (a rule refers to the role, so the role cannot refer to the rule).
    expect(events[0].statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': ACCOUNT });
    expect((events[0].statement.Condition.ArnLike['aws:SourceArn'] as unknown[]).map(flatten))
      .toEqual(rules.map((rule) => `arn:<AWS::Partition>:events:eu-west-2:${ACCOUNT}:rule/${flatten(rule.Properties.Name)}`));
    expect(flatten(rules[0].Properties.Name)).toMatch(/^Nag-Dashboard-.*otationSucceeded.*-<AWS::StackId>$/);
    for (const rule of rules) {
      expect(rule.Properties.Targets[0].RoleArn).toEqual({ 'Fn::GetAtt': [events[0].resource, 'Arn'] });
    }
    const states = statements.filter((s) => s.kind === 'trust' && s.service === 'states.amazonaws.com');
    // The rotation refresh's and the pre-upgrade backup's waiter.
    expect(states).toHaveLength(2);
    for (const state of states) {
      expect(state.statement.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': arnOf('states', 'stateMachine:*') },
      });
    }
  });
});

test('VPC Flow Logs may assume the flow-log role for flow logs of this account only', () => {
  const { template } = synth();
  const flowLogs = serviceStatements(template).filter((s) => s.service === 'vpc-flow-logs.amazonaws.com');
  expect(flowLogs).toHaveLength(1);
  expect(flowLogs[0].statement.Condition).toEqual({
    StringEquals: { 'aws:SourceAccount': ACCOUNT },
    ArnLike: { 'aws:SourceArn': arnOf('ec2', 'vpc-flow-log/*') },
  });
  const flowLog = Object.values(template.findResources('AWS::EC2::FlowLog'))[0] as any;
  expect(flowLog.Properties.DeliverLogsPermissionArn).toEqual({ 'Fn::GetAtt': [flowLogs[0].resource, 'Arn'] });
});

test('no service principal of the app is left without a condition, except the roles Lambda, EC2 and AWS Backup assume', () => {
  const { template } = synth((s: Stack) => ({ alarmTopic: new sns.Topic(s, 'Alarms', { masterKey: new kms.Key(s, 'TopicKey') }) }));
  const unconditioned = serviceStatements(template).filter((s) => !s.statement.Condition).map((s) => `${s.kind}:${s.service}`);
  expect([...new Set(unconditioned)].sort()).toEqual(['trust:backup.amazonaws.com', 'trust:ec2.amazonaws.com', 'trust:lambda.amazonaws.com']);
});

test('a topic in another stack names the sources by pattern, so the stacks do not depend on each other both ways', () => {
  const app = new App();
  const env = { account: ACCOUNT, region: 'eu-west-2' };
  const shared = new Stack(app, 'Shared', { env });
  const topic = new sns.Topic(shared, 'Alarms');
  const stack = new Stack(app, 'Dashboard', { env });
  new PanintelligenceDashboard(stack, 'Dashboard', { ...baseProps(stack), alarmTopic: topic });
  const template = Template.fromStack(shared);
  const conditions = serviceStatements(template).filter((s) => s.kind === 'topic')
    .map((s) => [s.service, s.statement.Condition.ArnLike['aws:SourceArn']]);
  expect(conditions.sort()).toEqual([
    ['backup.amazonaws.com', arnOf('backup', 'backup-vault:*')],
    ['cloudwatch.amazonaws.com', arnOf('cloudwatch', 'alarm:*')],
    ['events.amazonaws.com', arnOf('events', 'rule/*')],
  ]);
  expect(() => app.synth()).not.toThrow();
});
