// Empties an AWS Backup vault when its custom resource is deleted, so CloudFormation can then
// delete the vault (a vault that holds recovery points cannot be deleted). Runs under the
// custom-resource provider framework of aws-cdk-lib, which answers CloudFormation with the
// outcome. Deletion of a recovery point is asynchronous: the handler asks again and polls until
// the vault lists none, and fails (so the stack deletion stops with a reason) when its time
// runs out first. Configuration: VAULT_NAME, the one vault it may empty (the event's VaultName
// must name the same vault: an event never chooses what is deleted); POLL_INTERVAL_MS (default
// 15000); the AWS SDK's own environment (AWS_REGION, AWS_ENDPOINT_URL_BACKUP).
import {
  BackupClient,
  DeleteRecoveryPointCommand,
  ListBackupJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StopBackupJobCommand,
} from '@aws-sdk/client-backup';

/** The part of the provider framework's event this handler reads. */
export interface CleanupEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly VaultName?: string };
}

/** The part of the Lambda context this handler reads. */
export interface CleanupContext {
  getRemainingTimeInMillis(): number;
}

const client = new BackupClient({});

/** Empties the vault on delete; nothing to do on create and update. */
export async function handler(event: CleanupEvent, context: CleanupContext): Promise<{ PhysicalResourceId: string }> {
  const vaultName = vaultNameOf(event);
  if (event.RequestType === 'Delete') {
    const interval = Number(process.env.POLL_INTERVAL_MS ?? 15_000);
    for (;;) {
      const left = await emptyVault(vaultName);
      console.log(JSON.stringify({ vault: vaultName, recoveryPointsLeft: left }));
      if (left === 0) {
        break;
      }
      // Keep time to answer: the framework reports a thrown error to CloudFormation.
      if (context.getRemainingTimeInMillis() < interval + 30_000) {
        throw new Error(`backup vault ${vaultName} still holds ${left} recovery point(s); delete the stack again to retry`);
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
  return { PhysicalResourceId: event.PhysicalResourceId ?? vaultName };
}

/** The configured vault; an event for another one is refused before anything is touched. */
function vaultNameOf(event: CleanupEvent): string {
  const configured = process.env.VAULT_NAME;
  if (!configured) {
    throw new Error('VAULT_NAME is not set: the function empties only the vault it was deployed for');
  }
  const named = event.ResourceProperties?.VaultName;
  if (named !== undefined && named !== configured) {
    throw new Error(`refused: the event names the vault ${JSON.stringify(named)}, this function empties ${configured} only`);
  }
  return configured;
}

/**
 * Stops the vault's unfinished backup jobs, asks for every recovery point to be deleted, and
 * returns how many recovery points the vault still lists (deletion is asynchronous).
 */
async function emptyVault(vaultName: string): Promise<number> {
  for (const state of ['CREATED', 'PENDING', 'RUNNING'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListBackupJobsCommand({ ByBackupVaultName: vaultName, ByState: state, NextToken: nextToken }));
      for (const job of page.BackupJobs ?? []) {
        await ignoringGone(() => client.send(new StopBackupJobCommand({ BackupJobId: job.BackupJobId! })));
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  let left = 0;
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vaultName, NextToken: nextToken }));
    for (const point of page.RecoveryPoints ?? []) {
      left++;
      if (point.Status !== 'DELETING') {
        await ignoringGone(() => client.send(new DeleteRecoveryPointCommand({
          BackupVaultName: vaultName,
          RecoveryPointArn: point.RecoveryPointArn!,
        })));
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return left;
}

/**
 * Runs `call`, treating "not found" and "in the wrong state" as done or as a later poll's work:
 * a job that just finished cannot be stopped, and a point still being created is deleted once
 * it is complete.
 */
async function ignoringGone(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ResourceNotFoundException' || name === 'InvalidRequestException' || name === 'InvalidResourceStateException') {
      console.log(JSON.stringify({ skipped: name, message: (error as Error).message }));
      return;
    }
    throw error;
  }
}
