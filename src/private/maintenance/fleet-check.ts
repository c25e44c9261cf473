// The refresh safety net's decision, as a pure function: is any instance older than the app
// secret's current value? Such an instance booted with credentials the next rotation takes away.

/** An instance of the fleet, as EC2 describes it. */
export interface FleetInstance {
  readonly id: string;
  readonly launchTime: Date;
  /** EC2 state name: pending, running, shutting-down, stopping, stopped, terminated. */
  readonly state: string;
}

/** A version of the secret, as Secrets Manager lists it. */
export interface SecretVersion {
  readonly stages: string[];
  readonly created?: Date;
}

/** What the check found. */
export interface FleetCheck {
  /** Whether the fleet must be refreshed. */
  readonly refresh: boolean;
  /** Instances started before the secret's current value. */
  readonly stale: string[];
  /** When the current value became current (ISO), if known. */
  readonly secretChangedAt?: string;
  /** One sentence for the log and the execution history. */
  readonly reason: string;
}

/**
 * When the secret's current value became current: the later of its last rotation (which moves
 * AWSCURRENT at its end) and the creation of the AWSCURRENT version (a value put by hand is
 * current at once). Undefined when neither is known.
 */
export function secretChangedAt(lastRotated: Date | undefined, versions: SecretVersion[]): Date | undefined {
  const current = versions.find((version) => version.stages.includes('AWSCURRENT'))?.created;
  const times = [lastRotated, current].filter((t): t is Date => t !== undefined).map((t) => t.getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

/** Instances that may serve: those not on their way out. */
const LIVE_STATES = new Set(['pending', 'running']);

/**
 * Whether to refresh: any live instance launched before the secret's value changed read the
 * previous credentials at boot. An instance launched during the change may have read the new
 * ones; counting it stale costs one needless refresh, never a missed one.
 */
export function checkFleet(instances: FleetInstance[], changedAt: Date | undefined): FleetCheck {
  if (changedAt === undefined) {
    return { refresh: false, stale: [], reason: 'the secret has no known change' };
  }
  const live = instances.filter((instance) => LIVE_STATES.has(instance.state));
  const stale = live.filter((instance) => instance.launchTime.getTime() < changedAt.getTime()).map((instance) => instance.id).sort();
  return {
    refresh: stale.length > 0,
    stale,
    secretChangedAt: changedAt.toISOString(),
    reason: stale.length > 0
      ? `${stale.length} of ${live.length} instances started before the secret changed at ${changedAt.toISOString()}`
      : `all ${live.length} instances started after the secret changed at ${changedAt.toISOString()}`,
  };
}
