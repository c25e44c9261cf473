import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { DASHBOARD_DEFAULTS, DEFAULTS } from './defaults';
import type { FirewallSettings } from './firewall';
import { RemovalPolicies, removalPoliciesOf } from './removal-policies';
import type { MaintenanceWindow } from '../maintenance-window';
import type { PanintelligenceDashboardProps } from '../props';

type Props = PanintelligenceDashboardProps;

/** The props that have a value as their default (in DASHBOARD_DEFAULTS). */
type DefaultedProp = keyof typeof DASHBOARD_DEFAULTS;

/**
 * The dashboard's props as the construct uses them: every default applied (a prop of
 * DASHBOARD_DEFAULTS is never undefined here), the defaults that depend on other props decided,
 * and `removalPolicy` split into what each kind of resource gets. The tiers, the prop rules and
 * the cost estimate read these, never the props as given.
 */
export type ResolvedDashboardProps = Omit<Props, DefaultedProp | 'secretsManagerEndpoint' | 'removalPolicy' | 'firewall' | 'drainTime' | 'maintenanceWindow' | 'syncFunctionRuntime'>
& { readonly [P in DefaultedProp]: NonNullable<Props[P]> }
& {
  /** Whether the construct makes a Secrets Manager interface endpoint: by default only in a VPC it creates. */
  readonly secretsManagerEndpoint: boolean;
  /** The maintenance window, given or the default one. */
  readonly maintenanceWindow: MaintenanceWindow;
  /** The drain time: the idle timeout when not given, at most the target group's hour. */
  readonly drainTime: Duration;
  /** The sync function's runtime: the runtime of the library's functions when not given. */
  readonly syncFunctionRuntime: lambda.Runtime;
  /** `removalPolicy`, per kind of resource. */
  readonly removal: RemovalPolicies;
  /** The firewall's settings when it is on (`firewall` given and not `enabled: false`); else undefined. */
  readonly firewall?: FirewallSettings;
  /** The props as written, for the rules about whether a prop was given at all. */
  readonly given: Props;
};

/** `props` with every default applied. */
export function resolveDashboardProps(props: Props): ResolvedDashboardProps {
  const defaulted: Record<string, unknown> = {};
  for (const [prop, value] of Object.entries(DASHBOARD_DEFAULTS)) {
    defaulted[prop] = props[prop as DefaultedProp] ?? value;
  }
  const { removalPolicy, ...rest } = props;
  return {
    ...rest,
    ...(defaulted as { [P in DefaultedProp]: NonNullable<Props[P]> }),
    secretsManagerEndpoint: props.secretsManagerEndpoint ?? props.vpc === undefined,
    maintenanceWindow: props.maintenanceWindow ?? DEFAULTS.maintenanceWindow,
    drainTime: props.drainTime ?? defaultDrainTime(props.idleTimeout ?? DASHBOARD_DEFAULTS.idleTimeout),
    syncFunctionRuntime: props.syncFunctionRuntime ?? DEFAULTS.handlerRuntime,
    removal: removalPoliciesOf(removalPolicy),
    firewall: firewallSettingsOf(props.firewall),
    given: props,
  };
}

/** The firewall's settings, defaults applied, when `firewall` turns it on. */
function firewallSettingsOf(firewall: Props['firewall']): FirewallSettings | undefined {
  if (firewall === undefined || !(firewall.enabled ?? DEFAULTS.firewallEnabled)) {
    return undefined;
  }
  return {
    loginRateLimit: firewall.loginRateLimit ?? DEFAULTS.firewallLoginRateLimit,
    siteRateLimit: firewall.siteRateLimit ?? DEFAULTS.firewallSiteRateLimit,
    rateLimitWindow: firewall.rateLimitWindow ?? DEFAULTS.firewallRateLimitWindow,
    loginPaths: firewall.loginPaths ?? [...DEFAULTS.firewallLoginPaths],
    countedRules: firewall.countedRules ?? [],
  };
}

/**
 * The drain time when none is given: the idle timeout, the longest a request may wait for its
 * answer's first byte (a report), capped at the longest deregistration delay a target group takes.
 * (An idle timeout that is not whole seconds is refused by its own rule.)
 */
export function defaultDrainTime(idleTimeout: Duration): Duration {
  if (idleTimeout.isUnresolved()) {
    return idleTimeout;
  }
  return Duration.seconds(Math.min(Math.floor(idleTimeout.toSeconds({ integral: false })), DEFAULTS.maxDrainTime.toSeconds()));
}

/**
 * The resolved props of each dashboard, so `CostEstimate.ofDashboard` prices a construct from
 * the values it was built with. A WeakMap: a dashboard's props go when the dashboard does.
 */
const RESOLVED = new WeakMap<object, ResolvedDashboardProps>();

/** Called once by the dashboard's constructor. */
export function rememberResolvedProps(dashboard: object, resolved: ResolvedDashboardProps): void {
  RESOLVED.set(dashboard, resolved);
}

/** The resolved props of `dashboard`, or undefined for anything else. */
export function resolvedPropsOf(dashboard: object): ResolvedDashboardProps | undefined {
  return RESOLVED.get(dashboard);
}
