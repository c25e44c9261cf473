// Takes on-demand AWS Backup recovery points of the dashboard's database and file system before a
// stack update replaces the instances with a new machine image, and waits for them. Runs under
// aws-cdk-lib's custom-resource provider framework: `onEvent` decides and starts the jobs,
// `isComplete` is polled until they are done, and whatever either throws fails the resource, so
// CloudFormation rolls the update back before any instance is replaced.
//
// Configuration (environment): VAULT_NAME, BACKUP_ROLE_ARN, RETENTION_DAYS, RESOURCE_ARNS (the
// ARNs to back up, comma-separated), BACKUP_TIMEOUT_SECONDS (how long the jobs may take, default
// 2700); the AWS SDK's own environment (AWS_REGION, AWS_ENDPOINT_URL_BACKUP,
// AWS_ENDPOINT_URL_CLOUDFORMATION). The resource properties carry `ImageId`: the image whose change
// makes a new version.
import {
  BackupClient,
  DescribeBackupJobCommand,
  StartBackupJobCommand,
  StopBackupJobCommand,
} from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The part of the provider framework's event this handler reads. */
export interface BackupEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly ImageId?: string };
  readonly OldResourceProperties?: { readonly ImageId?: string };
}

/** What `onEvent` returns; the framework passes it on to `isComplete` merged into the event. */
export interface BackupStarted {
  readonly PhysicalResourceId: string;
  readonly Data?: {
    /** Comma-separated ids of the jobs started; empty when no backup was needed. */
    readonly BackupJobIds: string;
    /** ISO time after which a job still running fails the update. */
    readonly Deadline: string;
  };
}

/** The event `isComplete` receives. */
export interface BackupProgress extends BackupEvent {
  readonly Data?: BackupStarted['Data'];
}

export interface BackupCompletion {
  readonly IsComplete: boolean;
  readonly Data?: { readonly RecoveryPointArns: string };
}

/** Job states that will not change again without the job having succeeded. */
const FAILED_STATES = new Set(['FAILED', 'ABORTED', 'ABORTING', 'EXPIRED', 'PARTIAL']);
/** Tag keys on the recovery points, so a person finds the point of an upgrade. */
export const TAG_KEYS = {
  purpose: 'panintelligence:purpose',
  stack: 'panintelligence:stack',
  previousImage: 'panintelligence:previous-image',
  newImage: 'panintelligence:new-image',
} as const;

const backup = new BackupClient({});
const cloudFormation = new CloudFormationClient({});

/**
 * Create: nothing to protect yet. Delete: nothing to do. Update: a backup only when the image
 * changes and CloudFormation is not rolling back an earlier update (a rollback calls Update again
 * with the old image; the backup taken on the way forward already covers it).
 */
export async function onEvent(event: BackupEvent): Promise<BackupStarted> {
  const physicalResourceId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-pre-upgrade-backup`;
  if (event.RequestType !== 'Update') {
    return { PhysicalResourceId: physicalResourceId };
  }
  const previousImage = event.OldResourceProperties?.ImageId;
  const newImage = event.ResourceProperties.ImageId;
  if (!newImage) {
    throw new Error('ImageId (resource property) is missing');
  }
  if (previousImage === newImage) {
    log({ decision: 'same image, no backup', image: newImage });
    return { PhysicalResourceId: physicalResourceId };
  }
  const status = await stackStatus(event.StackId);
  if (status.includes('ROLLBACK')) {
    log({ decision: `stack is ${status}: no backup for a rollback`, from: previousImage, to: newImage });
    return { PhysicalResourceId: physicalResourceId };
  }

  const config = readConfig();
  const stackName = event.StackId.split('/')[1] ?? event.StackId;
  const jobIds: string[] = [];
  for (const [index, resourceArn] of config.resourceArns.entries()) {
    const started = await backup.send(new StartBackupJobCommand({
      BackupVaultName: config.vaultName,
      ResourceArn: resourceArn,
      IamRoleArn: config.roleArn,
      // A retried invocation of this request starts nothing new.
      IdempotencyToken: `${event.RequestId}-${index}`,
      // AWS Backup's minimum; the deadline below fails the update much earlier.
      StartWindowMinutes: 60,
      Lifecycle: { DeleteAfterDays: config.retentionDays },
      RecoveryPointTags: {
        [TAG_KEYS.purpose]: 'pre-upgrade',
        [TAG_KEYS.stack]: stackName,
        [TAG_KEYS.previousImage]: previousImage ?? 'unknown',
        [TAG_KEYS.newImage]: newImage,
      },
    }));
    log({ started: started.BackupJobId, resource: resourceArn, vault: config.vaultName });
    jobIds.push(started.BackupJobId!);
  }
  return {
    PhysicalResourceId: physicalResourceId,
    Data: {
      BackupJobIds: jobIds.join(','),
      Deadline: new Date(Date.now() + config.timeoutSeconds * 1000).toISOString(),
    },
  };
}

/** Done when every job completed; throws as soon as one cannot, or when time is up. */
export async function isComplete(event: BackupProgress): Promise<BackupCompletion> {
  const jobIds = (event.Data?.BackupJobIds ?? '').split(',').filter((id) => id !== '');
  if (jobIds.length === 0) {
    return { IsComplete: true };
  }
  const jobs = await Promise.all(jobIds.map(async (id) => {
    const job = await backup.send(new DescribeBackupJobCommand({ BackupJobId: id }));
    return { id, state: job.State ?? 'UNKNOWN', message: job.StatusMessage, resource: job.ResourceArn, recoveryPoint: job.RecoveryPointArn };
  }));
  log({ jobs: jobs.map(({ id, state, resource }) => ({ id, state, resource })) });

  const failed = jobs.find((job) => FAILED_STATES.has(job.state));
  if (failed) {
    await stopUnfinished(jobs);
    throw new Error(`the pre-upgrade backup of ${failed.resource} ended ${failed.state}`
      + `${failed.message ? ` (${failed.message})` : ''}: the update stops here and no instance is replaced`);
  }
  const running = jobs.filter((job) => job.state !== 'COMPLETED');
  if (running.length === 0) {
    return { IsComplete: true, Data: { RecoveryPointArns: jobs.map((job) => job.recoveryPoint ?? '').join(',') } };
  }
  const deadline = Date.parse(event.Data?.Deadline ?? '');
  if (!Number.isNaN(deadline) && Date.now() > deadline) {
    await stopUnfinished(jobs);
    throw new Error(`the pre-upgrade backup did not finish in time (${running.map((job) => `${job.resource} ${job.state}`).join(', ')}):`
      + ' the update stops here and no instance is replaced; deploy again later, or take a backup by hand and deploy with preUpgradeBackup: false');
  }
  return { IsComplete: false };
}

/**
 * Stops the jobs that are still going, so that nothing keeps running for an update that failed;
 * a job that cannot be stopped (it finished meanwhile, or its resource type does not allow it) is
 * left alone.
 */
async function stopUnfinished(jobs: Array<{ id: string; state: string }>): Promise<void> {
  for (const job of jobs) {
    if (job.state === 'COMPLETED' || FAILED_STATES.has(job.state)) {
      continue;
    }
    try {
      await backup.send(new StopBackupJobCommand({ BackupJobId: job.id }));
      log({ stopped: job.id });
    } catch (error) {
      log({ notStopped: job.id, reason: (error as Error).name });
    }
  }
}

async function stackStatus(stackId: string): Promise<string> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
  const status = Stacks?.[0]?.StackStatus;
  if (!status) {
    throw new Error(`cannot read the status of stack ${stackId}`);
  }
  return status;
}

interface Config {
  readonly vaultName: string;
  readonly roleArn: string;
  readonly retentionDays: number;
  readonly resourceArns: string[];
  readonly timeoutSeconds: number;
}

function readConfig(): Config {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) {
      throw new Error(`${name} (environment) is missing`);
    }
    return value;
  };
  const retentionDays = Number(env('RETENTION_DAYS'));
  const timeoutSeconds = Number(process.env.BACKUP_TIMEOUT_SECONDS ?? 2700);
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new Error(`RETENTION_DAYS must be a whole number of days, got ${process.env.RETENTION_DAYS}`);
  }
  return {
    vaultName: env('VAULT_NAME'),
    roleArn: env('BACKUP_ROLE_ARN'),
    retentionDays,
    resourceArns: env('RESOURCE_ARNS').split(',').filter((arn) => arn !== ''),
    timeoutSeconds,
  };
}

function log(entry: object): void {
  console.log(JSON.stringify(entry));
}
