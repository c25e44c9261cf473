import { RemovalPolicy } from 'aws-cdk-lib';
import { DEFAULTS } from './defaults';

/** What the dashboard's one `removalPolicy` means for each kind of resource. */
export interface RemovalPolicies {
  /** The database: the policy given (SNAPSHOT too), else SNAPSHOT. */
  readonly database: RemovalPolicy;
  /** The file system, the buckets and the backup vault: they have no snapshot, so anything but DESTROY keeps them. */
  readonly stateful: RemovalPolicy;
  /**
   * Every log group of the dashboard, also those aws-cdk-lib makes, when the stack is to leave
   * nothing behind; otherwise undefined, and each group keeps its own (RETAIN, for an investigation).
   */
  readonly logs?: RemovalPolicy;
}

/** `policy` split into what each kind of resource gets. */
export function removalPoliciesOf(policy: RemovalPolicy | undefined): RemovalPolicies {
  return {
    database: policy ?? DEFAULTS.databaseRemovalPolicy,
    stateful: keepUnlessDestroy(policy),
    logs: policy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : undefined,
  };
}

/** SNAPSHOT only exists for a database: a resource without one is destroyed on DESTROY and kept otherwise. */
export function keepUnlessDestroy(policy: RemovalPolicy | undefined): RemovalPolicy {
  return policy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : DEFAULTS.statefulRemovalPolicy;
}
