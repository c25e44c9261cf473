import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DEFAULTS } from './defaults';
import type { ResolvedDashboardProps } from './resolved-props';
import { Rule, wholeNumberIn } from './validation';

type Props = ResolvedDashboardProps;

/** The instance types of `additionalInstanceTypes` that are known at synth time, as `family.size`. */
function additionalTypeNames(p: Props): string[] {
  return (p.additionalInstanceTypes ?? []).map((t) => t.toString()).filter((name) => !Token.isUnresolved(name));
}

/** Whether an instance type is burstable (T family), whose launch template may carry CPU credits. */
function burstable(name: string): boolean {
  return /^t\d/.test(name);
}

/** x86_64 of an instance type, when aws-cdk-lib knows its architecture. */
function notX86(type: ec2.InstanceType): boolean {
  if (Token.isUnresolved(type.toString())) return false;
  try {
    return type.architecture !== ec2.InstanceArchitecture.X86_64;
  } catch {
    // An instance type aws-cdk-lib cannot read the family of: let EC2 judge it.
    return false;
  }
}

/**
 * The rules of the props an organisation sets for its governed accounts (ports, monitoring,
 * instance types). Part of `DASHBOARD_RULES`; each message starts with its prop's name.
 */
export const GOVERNANCE_RULES: ReadonlyArray<Rule<Props>> = [
  wholeNumberIn('databasePort', (p) => p.databasePort, DEFAULTS.databasePortRange.min, DEFAULTS.databasePortRange.max),
  {
    prop: 'databaseMonitoringInterval',
    violated: (p) => {
      const interval = p.databaseMonitoringInterval;
      if (interval === undefined || interval.isUnresolved()) return false;
      return !(DEFAULTS.databaseMonitoringIntervals as readonly number[]).includes(interval.toSeconds({ integral: false }));
    },
    message: (p) => `databaseMonitoringInterval must be ${DEFAULTS.databaseMonitoringIntervals.join(', ')} seconds `
      + `(what RDS Enhanced Monitoring offers), got ${p.databaseMonitoringInterval!.toHumanString()}`,
  },
  {
    prop: 'additionalInstanceTypes',
    violated: (p) => (p.additionalInstanceTypes ?? []).some(notX86),
    message: (p) => 'additionalInstanceTypes must be x86_64 types, like the dashboard\'s AMI (no Graviton build), got '
      + (p.additionalInstanceTypes ?? []).filter(notX86).map((t) => t.toString()).join(', '),
  },
  {
    prop: 'additionalInstanceTypes',
    violated: (p) => (p.additionalInstanceTypes?.length ?? 0) > DEFAULTS.maxAdditionalInstanceTypes,
    message: (p) => `additionalInstanceTypes may list at most ${DEFAULTS.maxAdditionalInstanceTypes} types (a mixed instances policy `
      + `takes 40 with instanceType), got ${p.additionalInstanceTypes!.length}`,
  },
  {
    prop: 'additionalInstanceTypes',
    violated: (p) => {
      const names = [p.instanceType.toString(), ...additionalTypeNames(p)];
      return new Set(names).size !== names.length;
    },
    message: () => 'additionalInstanceTypes must not repeat a type, nor instanceType',
  },
  {
    prop: 'additionalInstanceTypes',
    violated: (p) => p.cpuCredits !== undefined && additionalTypeNames(p).some((name) => !burstable(name)),
    message: (p) => 'additionalInstanceTypes must be burstable (T) types when cpuCredits is given, got '
      + additionalTypeNames(p).filter((name) => !burstable(name)).join(', '),
  },
];
