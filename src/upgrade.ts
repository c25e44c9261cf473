/**
 * How a new dashboard version (a new `machineImage`) replaces the running instances.
 */
export enum UpgradeMode {
  /**
   * One instance at a time, each new one only after the previous one answered healthy; the others
   * keep serving, so users see no downtime, but for a few minutes the old and the new version run
   * side by side against one database. The way the vendor's own deployments upgrade: right for
   * versions whose repository changes the old version can live with.
   */
  ROLLING = 'ROLLING',

  /**
   * Every old instance is taken out of service at once, and each new instance starts the dashboard
   * only when no instance of the old version is left (they finish their requests in flight
   * first), so the two versions never run together. Costs downtime: from the moment the old
   * instances leave the load balancer until the first new one answers (several minutes). For
   * major versions whose schema change the old version cannot live with.
   */
  EXCLUSIVE = 'EXCLUSIVE',
}
