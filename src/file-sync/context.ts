/**
 * What every part of the sync handler works with: the S3 client, where the file system is
 * mounted, the log, and when work must stop.
 */
/* eslint-disable import/no-extraneous-dependencies */ // the SDK is bundled into the function's asset
import type { S3Client } from '@aws-sdk/client-s3';

/** Writes one JSON log line. */
export type Logger = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What the sync needs from its surroundings. */
export interface SyncContext {
  readonly client: S3Client;
  readonly mountPath: string;
  readonly log: Logger;
  /** Epoch ms by which work must stop, leaving the function time to clean up and answer. */
  readonly deadline?: number;
  /** Abort a copy that receives nothing for this long. */
  readonly stallTimeoutMs: number;
}

/** An error's name and message, for logs and answers. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
