import { readFileSync } from 'fs';
import { join } from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { only, synth, Synthesized } from './util';
import { FIREWALL_END, FIREWALL_START, renderFirewallTable } from '../scripts/firewall-table';
import { readSection } from '../scripts/lib/suppressions';
import { countedIn, FIREWALL_RULE_ORDER, MANAGED_RULE_GROUPS } from '../src/private/firewall';

const EXISTING_ACL = 'arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/central-bi/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';

/** The rules of the one web ACL, by name, and their names in priority order. */
function rulesOf(template: Template): { names: string[]; byName: Record<string, any> } {
  const rules: any[] = only(template, 'AWS::WAFv2::WebACL').Properties.Rules;
  const sorted = [...rules].sort((a, b) => a.Priority - b.Priority);
  return { names: sorted.map((r) => r.Name), byName: Object.fromEntries(rules.map((r) => [r.Name, r])) };
}

/** The dashboard body as JSON, with every CloudFormation token replaced by the text TOKEN. */
function dashboardBody(template: Template): any {
  const body = only(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}

function widgetTitles(template: Template): string[] {
  return dashboardBody(template).widgets.map((w: any) => w.properties.title ?? w.properties.markdown);
}

const WAF_TYPES = ['AWS::WAFv2::WebACL', 'AWS::WAFv2::WebACLAssociation', 'AWS::WAFv2::LoggingConfiguration'];

describe('the default dashboard has no firewall', () => {
  let built: Synthesized;
  beforeAll(() => {
    built = synth();
  });

  test('no web ACL, association or logging, and no log group named for WAF', () => {
    for (const type of WAF_TYPES) built.template.resourceCountIs(type, 0);
    const names = Object.values(built.template.findResources('AWS::Logs::LogGroup')).map((g: any) => JSON.stringify(g.Properties.LogGroupName ?? ''));
    expect(names.filter((n) => n.includes('aws-waf-logs-'))).toEqual([]);
  });

  test('no firewall members, widgets or alarm', () => {
    expect(built.dashboard.webAcl).toBeUndefined();
    expect(built.dashboard.webAclArn).toBeUndefined();
    expect(built.dashboard.firewallLogGroup).toBeUndefined();
    expect(built.dashboard.monitoring.firewallBlockedRequestsAlarm).toBeUndefined();
    expect(widgetTitles(built.template).filter((t) => /Firewall/.test(t))).toEqual([]);
    expect(JSON.stringify(built.template.toJSON())).not.toContain('AWS/WAFV2');
  });

  test('firewall: { enabled: false } is the same as no firewall', () => {
    const off = synth(() => ({ firewall: { enabled: false, loginRateLimit: 1 } }));
    expect(off.template.toJSON()).toEqual(built.template.toJSON());
  });
});

describe('the firewall with its defaults', () => {
  let built: Synthesized;
  let template: Template;
  beforeAll(() => {
    built = synth(() => ({ firewall: {} }));
    template = built.template;
  });

  test('one regional web ACL, allowing what no rule blocks, with metrics and sampled requests', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: Match.anyValue() },
    });
    expect(built.dashboard.webAcl).toBeDefined();
  });

  test('its name and metric name are stack-unique and the same', () => {
    const acl = only(template, 'AWS::WAFv2::WebACL').Properties;
    expect(acl.Name).toEqual(acl.VisibilityConfig.MetricName);
    const joined = JSON.stringify(acl.Name);
    expect(joined).toContain('Test-Dashboard-Firewall-WebAclName-');
    expect(joined).toContain('AWS::StackId');
  });

  test('is associated with the load balancer', () => {
    const acl = Object.keys(template.findResources('AWS::WAFv2::WebACL'))[0];
    const alb = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: alb },
      WebACLArn: { 'Fn::GetAtt': [acl, 'Arn'] },
    });
    expect(built.stack.resolve(built.dashboard.webAclArn)).toEqual({ 'Fn::GetAtt': [acl, 'Arn'] });
  });

  test('rules in order: IP reputation, login and site rate limits, then the content rule groups', () => {
    expect(rulesOf(template).names).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'LoginRateLimit',
      'SiteRateLimit',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesLinuxRuleSet',
    ]);
    expect(rulesOf(template).names).toEqual(FIREWALL_RULE_ORDER);
  });

  test('every rule has its own metric, named after it, and sampled requests', () => {
    for (const rule of Object.values(rulesOf(template).byName)) {
      expect(rule.VisibilityConfig).toEqual({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: rule.Name });
    }
  });

  test('the managed rule groups are AWS\'s, with their own actions', () => {
    const { byName } = rulesOf(template);
    for (const group of ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet']) {
      expect(byName[group].OverrideAction).toEqual({ None: {} });
      expect(byName[group].Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: group });
    }
  });

  test('the core rule set counts the body rules that reports, uploads and designers trip', () => {
    const { byName } = rulesOf(template);
    const overrides = byName.AWSManagedRulesCommonRuleSet.Statement.ManagedRuleGroupStatement.RuleActionOverrides;
    expect(overrides).toEqual(['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericRFI_BODY'].map((Name) => ({ Name, ActionToUse: { Count: {} } })));
    for (const group of ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet']) {
      expect(byName[group].Statement.ManagedRuleGroupStatement.RuleActionOverrides).toBeUndefined();
    }
  });

  test('login rate limit: 100 POSTs to the login paths per client IP in 5 minutes, then 429', () => {
    const rule = rulesOf(template).byName.LoginRateLimit;
    expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
    const statement = rule.Statement.RateBasedStatement;
    expect(statement).toMatchObject({ Limit: 100, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    const [method, paths] = statement.ScopeDownStatement.AndStatement.Statements;
    expect(method.ByteMatchStatement).toEqual({
      FieldToMatch: { Method: {} }, PositionalConstraint: 'EXACTLY', SearchString: 'POST', TextTransformations: [{ Priority: 0, Type: 'NONE' }],
    });
    const prefixes = paths.OrStatement.Statements.map((s: any) => s.ByteMatchStatement);
    expect(prefixes.map((p: any) => p.SearchString)).toEqual(['/pi/auth/', '/pi/api/v2/tokens']);
    for (const prefix of prefixes) {
      expect(prefix.FieldToMatch).toEqual({ UriPath: {} });
      expect(prefix.PositionalConstraint).toBe('STARTS_WITH');
      expect(prefix.TextTransformations).toEqual([
        { Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NORMALIZE_PATH' }, { Priority: 2, Type: 'LOWERCASE' },
      ]);
    }
  });

  test('site rate limit: 10,000 requests of any kind per client IP in 5 minutes, then 429', () => {
    const rule = rulesOf(template).byName.SiteRateLimit;
    expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
    expect(rule.Statement).toEqual({ RateBasedStatement: { Limit: 10000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } });
  });

  test('logs to a log group named aws-waf-logs-..., stack-unique, kept 3 months and retained', () => {
    const groups = template.findResources('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^aws-waf-logs-')])] } },
    });
    expect(Object.keys(groups)).toHaveLength(1);
    const [id, group] = Object.entries(groups)[0] as [string, any];
    expect(JSON.stringify(group.Properties.LogGroupName)).toContain('AWS::StackId');
    expect(group.Properties.RetentionInDays).toBe(90);
    expect(group.DeletionPolicy).toBe('Retain');
    expect(built.stack.resolve(built.dashboard.firewallLogGroup!.logGroupName)).toEqual({ Ref: id });
  });

  test('the logging configuration sends the web ACL\'s blocked and counted requests there, without cookies or credentials', () => {
    const acl = Object.keys(template.findResources('AWS::WAFv2::WebACL'))[0];
    const group = Object.keys(template.findResources('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^aws-waf-logs-')])] } },
    }))[0];
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [acl, 'Arn'] },
      // The log group's ARN without the trailing `:*` of its Arn attribute.
      LogDestinationConfigs: [{
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-2:123456789012:log-group:', { Ref: group }]],
      }],
      RedactedFields: [{ SingleHeader: { Name: 'cookie' } }, { SingleHeader: { Name: 'authorization' } }],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [{
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: [
            { ActionCondition: { Action: 'BLOCK' } },
            { ActionCondition: { Action: 'COUNT' } },
            { ActionCondition: { Action: 'EXCLUDED_AS_COUNT' } },
          ],
        }],
      },
    });
  });

  test('the CloudWatch dashboard shows allowed and blocked, rate-limited and per-rule blocked requests', () => {
    const titles = widgetTitles(template);
    const section = titles.indexOf('### Firewall (AWS WAF)');
    expect(section).toBeGreaterThan(titles.indexOf('### Load balancer'));
    expect(titles.slice(section + 1, section + 4)).toEqual([
      'Firewall: allowed and blocked requests', 'Firewall: rate-limited requests', 'Firewall: blocked requests by rule',
    ]);
    const widgets = dashboardBody(template).widgets;
    const metrics = (title: string) => widgets.find((w: any) => w.properties.title === title).properties.metrics
      .map((m: any[]) => [m[0], m[1], m[m.indexOf('Rule') + 1]]);
    expect(metrics('Firewall: allowed and blocked requests')).toEqual([
      ['AWS/WAFV2', 'AllowedRequests', 'ALL'], ['AWS/WAFV2', 'BlockedRequests', 'ALL'],
    ]);
    expect(metrics('Firewall: rate-limited requests')).toEqual([
      ['AWS/WAFV2', 'BlockedRequests', 'LoginRateLimit'], ['AWS/WAFV2', 'BlockedRequests', 'SiteRateLimit'],
    ]);
    expect(metrics('Firewall: blocked requests by rule')).toEqual(MANAGED_RULE_GROUPS.map((g) => ['AWS/WAFV2', 'BlockedRequests', g.name]));
    // Every firewall metric names the web ACL (its stack-unique metric name) and the stack's region.
    for (const row of widgets.filter((w: any) => /^Firewall:/.test(w.properties.title)).flatMap((w: any) => w.properties.metrics)) {
      expect(row[row.indexOf('Region') + 1]).toBe('eu-west-2');
      expect(row[row.indexOf('WebACL') + 1]).toBe('Test-Dashboard-Firewall-WebAclName-2DF556F5-TOKEN');
    }
  });

  test('the blocked-requests alarm is opt-in: not created by the firewall alone', () => {
    expect(built.dashboard.monitoring.firewallBlockedRequestsAlarm).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).not.toContain('AWS/WAFV2');
    expect(built.dashboard.alarms).toHaveLength(9);
  });
});

describe('the firewall with its options', () => {
  test('limits, window and login paths as given; paths compared in lower case', () => {
    const { template } = synth(() => ({
      firewall: { loginRateLimit: 20, siteRateLimit: 50_000, rateLimitWindow: Duration.minutes(1), loginPaths: ['/pi/Login'] },
    }));
    const { byName } = rulesOf(template);
    expect(byName.LoginRateLimit.Statement.RateBasedStatement).toMatchObject({ Limit: 20, EvaluationWindowSec: 60 });
    expect(byName.SiteRateLimit.Statement.RateBasedStatement).toMatchObject({ Limit: 50000, EvaluationWindowSec: 60 });
    // One path: no OR statement around it.
    const [, path] = byName.LoginRateLimit.Statement.RateBasedStatement.ScopeDownStatement.AndStatement.Statements;
    expect(path.ByteMatchStatement.SearchString).toBe('/pi/login');
  });

  test('countedRules add rules to count to their own group, once each', () => {
    const { template } = synth(() => ({
      firewall: {
        countedRules: [
          'AWSManagedRulesCommonRuleSet:SizeRestrictions_QUERYSTRING',
          'AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY',
          'AWSManagedRulesKnownBadInputsRuleSet:Host_localhost_HEADER',
        ],
      },
    }));
    const { byName } = rulesOf(template);
    const counted = (group: string) => (byName[group].Statement.ManagedRuleGroupStatement.RuleActionOverrides ?? []).map((o: any) => o.Name);
    expect(counted('AWSManagedRulesCommonRuleSet')).toEqual(['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericRFI_BODY', 'SizeRestrictions_QUERYSTRING']);
    expect(counted('AWSManagedRulesKnownBadInputsRuleSet')).toEqual(['Host_localhost_HEADER']);
    expect(counted('AWSManagedRulesLinuxRuleSet')).toEqual([]);
  });

  test('a group name that merely starts like another does not take its rules', () => {
    const group = { name: 'AWSManagedRulesCommonRuleSet', purpose: '', counted: [] };
    expect(countedIn(group, ['AWSManagedRulesCommonRuleSetX:Rule', 'AWSManagedRulesCommonRuleSet:Mine'])).toEqual(['Mine']);
  });

  test('the log group follows logRetention, and removalPolicy DESTROY deletes it', () => {
    const { template } = synth(() => ({ firewall: {}, logRetention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }));
    const [group] = Object.values(template.findResources('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^aws-waf-logs-')])] } },
    })) as any[];
    expect(group.Properties.RetentionInDays).toBe(30);
    expect(group.DeletionPolicy).toBe('Delete');
  });

  test('the opt-in alarm: >= 500 blocked requests in 5 minutes, on the firewall\'s web ACL, sent to the topic and shown', () => {
    const built = synth((stack) => ({
      firewall: {},
      alarmTopic: new sns.Topic(stack, 'Alarms'),
      alarms: { firewallBlockedRequests: { enabled: true } },
    }));
    const alarm = built.dashboard.monitoring.firewallBlockedRequestsAlarm;
    expect(alarm).toBeDefined();
    expect(built.dashboard.alarms).toContain(alarm);
    expect(built.dashboard.alarms).toHaveLength(10);
    const aclName = new Capture();
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 500,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'Region', Value: 'eu-west-2' }, { Name: 'Rule', Value: 'ALL' }, { Name: 'WebACL', Value: aclName }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      AlarmDescription: Match.stringLikeRegexp('firewall blocked >= 500 requests'),
    });
    expect(aclName.asObject()).toEqual(only(built.template, 'AWS::WAFv2::WebACL').Properties.Name);
    const graph = dashboardBody(built.template).widgets.find((w: any) => w.properties.title === 'Firewall: allowed and blocked requests');
    expect(graph.properties.annotations.horizontal[0].value).toBe(500);
  });

  test('the alarm\'s threshold and window can be changed like the others', () => {
    const { template } = synth(() => ({
      firewall: {},
      alarms: {
        firewallBlockedRequests: { enabled: true, threshold: 2000, period: Duration.minutes(1), evaluationPeriods: 3, datapointsToAlarm: 2 },
      },
    }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/WAFV2', Threshold: 2000, Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2,
    });
  });
});

describe('an existing web ACL', () => {
  let built: Synthesized;
  beforeAll(() => {
    built = synth(() => ({ webAclArn: EXISTING_ACL }));
  });

  test('is associated with the load balancer', () => {
    const alb = Object.keys(built.template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
    built.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    built.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: alb }, WebACLArn: EXISTING_ACL });
    expect(built.dashboard.webAclArn).toBe(EXISTING_ACL);
  });

  test('its rules, logging and metrics stay its owner\'s', () => {
    built.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    built.template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
    expect(built.dashboard.webAcl).toBeUndefined();
    expect(built.dashboard.firewallLogGroup).toBeUndefined();
    expect(widgetTitles(built.template).filter((t) => /Firewall/.test(t))).toEqual([]);
  });
});

describe('README security section', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const security = readme.slice(readme.indexOf('## Security'), readme.indexOf('## Operations'));
  /** Names the text that is missing, without printing the whole section. */
  const expectMentioned = (text: string) => expect({ text, mentioned: security.includes(text) }).toEqual({ text, mentioned: true });

  test('holds the current tables of the firewall\'s rules (run `npx projen docs:firewall` to update)', () => {
    expect(readSection(security, FIREWALL_START, FIREWALL_END)).toBe(renderFirewallTable());
  });

  test('the tables list every rule in order and each counted rule with its reason', () => {
    const rows = renderFirewallTable().split('\n');
    const ruleRows = rows.filter((row) => /^\| \d \|/.test(row));
    expect(ruleRows.map((row) => row.split(' | ')[1])).toEqual(FIREWALL_RULE_ORDER.map((name) => `\`${name}\` (${/RateLimit$/.test(name) ? 'rate-based' : 'AWS managed'})`));
    expect(rows).toContain('| 3 | `AWSManagedRulesCommonRuleSet` (AWS managed) | the core rule set: cross-site scripting, file inclusion, SSRF to instance '
      + 'metadata, oversized requests and bad user agents (OWASP Top 10) | block; counts `SizeRestrictions_BODY`, `CrossSiteScripting_BODY`, `GenericRFI_BODY` |');
    expect(rows).toContain('| 1 | `LoginRateLimit` (rate-based) | more than `loginRateLimit` (100) POST requests to `loginPaths` (`/pi/auth/` and '
      + '`/pi/api/v2/tokens`) from one client IP address in `rateLimitWindow` (5 minutes): password guessing | 429 until the rate falls below the limit |');
    for (const { rule, reason } of MANAGED_RULE_GROUPS.flatMap((g) => g.counted)) {
      expect(rows.find((row) => row.includes(`| \`${rule}\` | ${reason} |`))).toBeDefined();
    }
  });

  test('says how to find a rule that blocks a legitimate request, how to tune it, and what the firewall costs', () => {
    for (const text of ['Sampled requests', 'aws-waf-logs-', 'countedRules', 'Logs Insights', '$11.60']) expectMentioned(text);
  });
});
