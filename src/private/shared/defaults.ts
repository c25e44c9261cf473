/**
 * Defaults that the construct side and the Lambda handlers share. Like everything under
 * src/private/shared/: plain values and no imports, so a handler's bundle may include this
 * module, and DEFAULTS reads them without reaching into a handler's own modules.
 */

/**
 * Requests a re-sync keeps in flight unless configured (the dashboard's `syncConcurrency`,
 * FileSync's `concurrency`, the function's `SYNC_CONCURRENCY`); measured with `npx projen bench`.
 */
export const DEFAULT_RESYNC_CONCURRENCY = 16;
