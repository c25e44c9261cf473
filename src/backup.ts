import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { emptyVaultOnDelete } from './private/backup-vault-cleanup/backup-vault-cleanup';
import { DEFAULTS } from './private/defaults';
import { suppressNag } from './private/nag';
import { stackUniqueName } from './private/names';
import { keepUnlessDestroy } from './private/removal-policies';
import { allowServiceToPublish } from './private/service-access';
import { ownerOf, validate } from './private/validation';

/**
 * Properties of {@link FileSystemBackup}.
 */
export interface FileSystemBackupProps {
  /** The file system to back up. */
  readonly fileSystem: efs.IFileSystem;

  /**
   * How long each daily recovery point is kept.
   *
   * @default Duration.days(35)
   */
  readonly retention?: Duration;

  /**
   * When the daily backup starts (UTC).
   *
   * @default - every day at 05:00 UTC, a quiet hour in both Europe and the Americas
   */
  readonly schedule?: events.Schedule;

  /**
   * Vault that stores the recovery points.
   *
   * @default - a new vault (see `encryptionKey`, `removalPolicy`, `notificationTopic`)
   */
  readonly backupVault?: backup.IBackupVault;

  /**
   * Key that encrypts the new vault's recovery points (ignored when `backupVault` is given).
   *
   * @default - the AWS managed key `aws/backup`: encrypted at rest at no key cost, but its
   * policy cannot be changed, so recovery points cannot be shared with another account
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the new vault when the stack is deleted (ignored when `backupVault` is given).
   * With `DESTROY`, its recovery points are deleted first (AWS Backup refuses to delete a vault
   * that holds any), so nothing is left behind; any other policy (`SNAPSHOT` included) keeps the
   * vault and its recovery points.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Topic told about failed or expired backup jobs and finished restore jobs of the new vault
   * (ignored when `backupVault` is given). AWS Backup is allowed to publish to it (and to use its
   * key, when the key is of this app) for the new vault of this account only.
   *
   * @default - no notifications
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Retention of the log groups of the function that empties the vault (only made when the
   * new vault is destroyed with the stack).
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Daily AWS Backup of an EFS file system, kept for a configurable number of days.
 *
 * Creates a vault (unless one is given), a plan with one daily rule, and a selection
 * holding the file system. The vault and plan names (which AWS Backup requires) end with the
 * stack's unique id, so two dashboards, or a stack deployed again after a delete that kept the
 * vault, never collide.
 * Do not also turn on the file system's own automatic backups (`enableAutomaticBackups`),
 * or every day is backed up twice.
 */
export class FileSystemBackup extends Construct {
  /** The vault holding the recovery points. */
  public readonly vault: backup.IBackupVault;

  /** The backup plan. */
  public readonly plan: backup.BackupPlan;

  /** The selection assigning the file system to the plan. */
  public readonly selection: backup.BackupSelection;

  /** The role AWS Backup uses for the backup jobs; it may also run restore jobs (`--iam-role-arn`). */
  public readonly role: iam.IRole;

  /** How long each recovery point is kept. */
  public readonly retention: Duration;

  /**
   * The custom resource that empties the new vault before CloudFormation deletes it; only
   * present when the new vault's removal policy is `DESTROY`.
   */
  public readonly vaultCleanup?: CustomResource;

  /**
   * Creates the backup vault, plan and selection.
   *
   * @param scope the construct to add them to
   * @param id the id of this construct, unique within `scope`
   * @param props the file system to back up, and how long recovery points are kept
   */
  constructor(scope: Construct, id: string, props: FileSystemBackupProps) {
    super(scope, id);

    this.retention = props.retention ?? DEFAULTS.fileSystemBackupRetention;
    validate(ownerOf('FileSystemBackup', this), props, [{
      prop: 'retention',
      violated: () => !this.retention.isUnresolved()
        && (!Number.isInteger(this.retention.toDays({ integral: false })) || this.retention.toDays({ integral: false }) < 1),
      message: () => `retention (file system backups) must be a whole number of days, at least 1 (got ${this.retention.toHumanString()})`,
    }]);

    // A vault has no snapshot to take: anything but DESTROY keeps it.
    const removalPolicy = keepUnlessDestroy(props.removalPolicy);
    this.vault = props.backupVault ?? this.createVault(props, removalPolicy);

    this.plan = new backup.BackupPlan(this, 'Plan', { backupVault: this.vault, backupPlanName: stackUniqueName(this, 'Plan', 37) });
    this.plan.addRule(new backup.BackupPlanRule({
      ruleName: 'Daily',
      scheduleExpression: props.schedule ?? DEFAULTS.fileSystemBackupSchedule,
      deleteAfter: this.retention,
    }));

    this.selection = this.plan.addSelection('FileSystem', {
      resources: [backup.BackupResource.fromEfsFileSystem(props.fileSystem)],
      // Lets the same role run a restore job, so the README's restore steps need no extra role.
      allowRestores: true,
    });
    this.role = this.selection.node.findChild('Role') as iam.IRole;
    suppressNag(this.role, ['ForBackup', 'ForRestores'].map((suffix) => ({
      id: 'AwsSolutions-IAM4',
      reason: 'AWS Backup\'s own service-role policy for EFS backup and restore, kept current by AWS as the service changes; '
        + 'the role can only be assumed by backup.amazonaws.com.',
      appliesTo: [`Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicy${suffix}`],
    })));

    if (!props.backupVault && removalPolicy === RemovalPolicy.DESTROY) {
      this.vaultCleanup = emptyVaultOnDelete(this, { vault: this.vault, plan: this.plan, logRetention: props.logRetention ?? DEFAULTS.logRetention });
    }
  }

  /**
   * The new vault. Its notifications are set on the CloudFormation resource: the L2's own grant
   * lets AWS Backup publish to the topic for any vault of any account.
   */
  private createVault(props: FileSystemBackupProps, removalPolicy: RemovalPolicy): backup.BackupVault {
    const vault = new backup.BackupVault(this, 'Vault', {
      // AWS Backup names: 2 to 50 letters, digits, '-' and '_'.
      backupVaultName: stackUniqueName(this, 'Vault', 37),
      encryptionKey: props.encryptionKey,
      removalPolicy,
    });
    const topic = props.notificationTopic;
    if (topic) {
      (vault.node.defaultChild as backup.CfnBackupVault).notifications = {
        snsTopicArn: topic.topicArn,
        backupVaultEvents: [
          backup.BackupVaultEvents.BACKUP_JOB_FAILED,
          backup.BackupVaultEvents.BACKUP_JOB_EXPIRED,
          backup.BackupVaultEvents.RESTORE_JOB_COMPLETED,
        ],
      };
      // AWS Backup names the vault as the source of its notifications.
      allowServiceToPublish(this, topic, 'backup.amazonaws.com', { arns: [vault.backupVaultArn], pattern: 'backup:backup-vault:*' });
    }
    return vault;
  }
}
