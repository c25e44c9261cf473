import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { createLogGroup } from './logging';
import { stackUniqueName } from './names';

/** A rule of a managed rule group that the firewall counts instead of blocking, and why. */
export interface CountedRule {
  readonly rule: string;
  readonly reason: string;
}

/** An AWS managed rule group of the firewall. */
export interface ManagedRuleGroup {
  /** The group's name (vendor `AWS`); also the name and metric name of its rule in the web ACL. */
  readonly name: string;
  /** Why it is in the firewall. */
  readonly purpose: string;
  /** Its rules that would break normal use of the dashboard. */
  readonly counted: ReadonlyArray<CountedRule>;
}

const IP_REPUTATION: ManagedRuleGroup = {
  name: 'AWSManagedRulesAmazonIpReputationList',
  purpose: 'addresses that Amazon threat intelligence has seen running bots, reconnaissance or DDoS attacks',
  counted: [],
};

/** The content-inspecting groups, in the order they run (after the rate limits). */
const CONTENT_GROUPS: ReadonlyArray<ManagedRuleGroup> = [
  {
    name: 'AWSManagedRulesCommonRuleSet',
    purpose: 'the core rule set: cross-site scripting, file inclusion, SSRF to instance metadata, oversized requests and bad user agents (OWASP Top 10)',
    counted: [
      {
        rule: 'SizeRestrictions_BODY',
        reason: 'bodies over 8 KB are normal here: saving a dashboard or chart definition, report and export requests, and '
          + 'image and theme uploads through the app all post more',
      },
      {
        rule: 'CrossSiteScripting_BODY',
        reason: 'designers post HTML, CSS and script on purpose: text and HTML objects, themes and custom formats',
      },
      {
        rule: 'GenericRFI_BODY',
        reason: 'data connections and links post URLs with IP addresses (a JDBC URL such as `jdbc:mysql://10.0.0.5:3306/sales`, '
          + 'drill-through and embedded dashboard links), which is what this rule looks for',
      },
    ],
  },
  {
    name: 'AWSManagedRulesKnownBadInputsRuleSet',
    purpose: 'known exploits of Java application servers such as the dashboard\'s Tomcat: Log4j and Java deserialisation '
      + 'payloads, exploitable paths, a `localhost` Host header',
    counted: [],
  },
  {
    name: 'AWSManagedRulesLinuxRuleSet',
    purpose: 'Linux file-inclusion paths (`/etc/passwd`, `/proc/self/...`) in the URI, query string and headers: the instances '
      + 'run Ubuntu; request bodies are not inspected, so reports and uploads are unaffected',
    counted: [],
  },
];

/** Every managed rule group of the firewall. */
export const MANAGED_RULE_GROUPS: ReadonlyArray<ManagedRuleGroup> = [IP_REPUTATION, ...CONTENT_GROUPS];

/** Names (and metric names) of the rate-based rules. */
export const LOGIN_RATE_LIMIT_RULE = 'LoginRateLimit';
export const SITE_RATE_LIMIT_RULE = 'SiteRateLimit';

/**
 * The rules of the web ACL in priority order. Known-bad addresses are refused first, before they
 * count towards anything. The rate limits come next, ahead of the content rules: every request of
 * a client counts towards its limit, the attacks those rules would block included, so a client
 * probing with payloads is cut off as a whole once over it. The content rules run last.
 */
export const FIREWALL_RULE_ORDER: ReadonlyArray<string> = [
  IP_REPUTATION.name, LOGIN_RATE_LIMIT_RULE, SITE_RATE_LIMIT_RULE, ...CONTENT_GROUPS.map((g) => g.name),
];

/** Rules the firewall is billed for (AWS WAF bills a managed rule group as one rule). */
export const FIREWALL_RULE_COUNT = FIREWALL_RULE_ORDER.length;

/** Evaluation windows AWS WAF offers for rate-based rules, in seconds. */
export const RATE_LIMIT_WINDOWS_SECONDS: ReadonlyArray<number> = [60, 120, 300, 600];

/** Rate limits AWS WAF accepts per window. */
export const RATE_LIMIT_MIN = 10;
export const RATE_LIMIT_MAX = 2_000_000_000;

/** The prefix AWS WAF requires of a log destination's name. */
export const WAF_LOG_GROUP_PREFIX = 'aws-waf-logs-';

/** The CloudWatch metric names of a web ACL: what the dashboard's firewall widgets and alarm read. */
export interface WebAclMetricNames {
  readonly webAcl: string;
  readonly rateBasedRules: string[];
  readonly rules: string[];
}

/** The `firewall` prop when the firewall is on, defaults applied. */
export interface FirewallSettings {
  readonly loginRateLimit: number;
  readonly siteRateLimit: number;
  readonly rateLimitWindow: Duration;
  readonly loginPaths: string[];
  /** `<rule group>:<rule>` entries counted on top of each group's own `counted` rules. */
  readonly countedRules: string[];
}

/** Internal: what the firewall tier needs. */
export interface DashboardFirewallProps extends FirewallSettings {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly logRetention: logs.RetentionDays;
}

/**
 * An AWS WAF web ACL in front of the load balancer: the managed rule groups and rate limits of
 * {@link FIREWALL_RULE_ORDER}, logging blocked and counted requests to an `aws-waf-logs-` group.
 */
export class DashboardFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly logGroup: logs.LogGroup;
  public readonly metricNames: WebAclMetricNames;

  constructor(scope: Construct, id: string, props: DashboardFirewallProps) {
    super(scope, id);
    // Stack-unique, so two dashboards in one account and region keep apart names and metrics.
    const name = stackUniqueName(this, 'WebAcl', 100);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name,
      description: 'Panintelligence dashboard: AWS managed rules and per-client rate limits in front of the load balancer',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      rules: firewallRules(props),
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.loadBalancer.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });

    this.logGroup = createLogGroup(this, 'Logs', {
      retention: props.logRetention,
      logGroupName: `${WAF_LOG_GROUP_PREFIX}${stackUniqueName(this, 'Logs', 100)}`,
    });
    // AWS WAF adds the group to the account's `AWSWAF-LOGS` resource policy itself when logging
    // starts; it takes the group's ARN without the `:*` that the Arn attribute ends with.
    const destination = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [destination],
      // Session cookies and credentials stay out of the log: anyone who reads it could use them.
      // `singleHeader` is raw CloudFormation here, hence `Name`.
      redactedFields: [{ singleHeader: { Name: 'cookie' } }, { singleHeader: { Name: 'authorization' } }],
      // Only what a rule blocked or counted: the records that explain a block, at a fraction of
      // the volume of every request.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [{
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: ['BLOCK', 'COUNT', 'EXCLUDED_AS_COUNT'].map((action) => ({ ActionCondition: { Action: action } })),
        }],
      },
    });

    this.metricNames = {
      webAcl: name,
      rateBasedRules: [LOGIN_RATE_LIMIT_RULE, SITE_RATE_LIMIT_RULE],
      rules: MANAGED_RULE_GROUPS.map((g) => g.name),
    };
  }
}

/** Associates an existing web ACL, given by its ARN, with the load balancer. */
export function associateWebAcl(scope: Construct, id: string, loadBalancer: elbv2.IApplicationLoadBalancer, webAclArn: string): void {
  new wafv2.CfnWebACLAssociation(scope, id, { resourceArn: loadBalancer.loadBalancerArn, webAclArn });
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

/** The web ACL's rules, in the order of FIREWALL_RULE_ORDER. */
function firewallRules(props: DashboardFirewallProps): wafv2.CfnWebACL.RuleProperty[] {
  const window = props.rateLimitWindow.toSeconds();
  const byName: Record<string, Omit<wafv2.CfnWebACL.RuleProperty, 'priority' | 'name' | 'visibilityConfig'>> = {
    [LOGIN_RATE_LIMIT_RULE]: rateLimit(props.loginRateLimit, window, loginAttempts(props.loginPaths)),
    [SITE_RATE_LIMIT_RULE]: rateLimit(props.siteRateLimit, window),
  };
  for (const group of MANAGED_RULE_GROUPS) {
    byName[group.name] = managedGroup(group.name, countedIn(group, props.countedRules));
  }
  return FIREWALL_RULE_ORDER.map((name, priority) => ({ name, priority, visibilityConfig: visibility(name), ...byName[name] }));
}

/** The rules of `group` to count: its own, then those of `extra` (`<group>:<rule>`) in it, once each. */
export function countedIn(group: ManagedRuleGroup, extra: ReadonlyArray<string>): string[] {
  const mine = extra.filter((entry) => entry.startsWith(`${group.name}:`)).map((entry) => entry.slice(group.name.length + 1));
  return [...new Set([...group.counted.map((c) => c.rule), ...mine])];
}

function managedGroup(name: string, counted: string[]): Omit<wafv2.CfnWebACL.RuleProperty, 'priority' | 'name' | 'visibilityConfig'> {
  return {
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: counted.length > 0 ? counted.map((rule) => ({ name: rule, actionToUse: { count: {} } })) : undefined,
      },
    },
  };
}

/** Blocks a client IP address over `limit` requests (matching `scopeDown`) in the window, with 429. */
function rateLimit(limit: number, windowSeconds: number, scopeDown?: wafv2.CfnWebACL.StatementProperty):
Omit<wafv2.CfnWebACL.RuleProperty, 'priority' | 'name' | 'visibilityConfig'> {
  return {
    action: { block: { customResponse: { responseCode: 429 } } },
    statement: {
      rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: windowSeconds, scopeDownStatement: scopeDown },
    },
  };
}

/** POST requests whose path, decoded and normalised, starts with one of `paths` (any case). */
function loginAttempts(paths: ReadonlyArray<string>): wafv2.CfnWebACL.StatementProperty {
  const post: wafv2.CfnWebACL.StatementProperty = {
    byteMatchStatement: {
      fieldToMatch: { method: {} },
      positionalConstraint: 'EXACTLY',
      searchString: 'POST',
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
  const prefixes = paths.map((path): wafv2.CfnWebACL.StatementProperty => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: Token.isUnresolved(path) ? path : path.toLowerCase(),
      // Tomcat decodes and normalises the path before routing it, so match what it will route.
      textTransformations: ['URL_DECODE', 'NORMALIZE_PATH', 'LOWERCASE'].map((type, priority) => ({ priority, type })),
    },
  }));
  const path = prefixes.length === 1 ? prefixes[0] : { orStatement: { statements: prefixes } };
  return { andStatement: { statements: [post, path] } };
}
