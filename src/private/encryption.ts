import { Annotations, Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { autoScalingRoleArn, keyStatements, TOPIC_PUBLISHERS } from './notifications';

/** Warning id, to acknowledge with `Annotations.of(dashboard).acknowledgeWarning(id)`. */
export const IMPORTED_ENCRYPTION_KEY_WARNING = '@panintelligence/cdk-dashboard:encryptionKeyPolicy';

/**
 * What the services need in the policy of `encryptionKey` beyond what IAM grants the construct's
 * own roles: CloudWatch Logs for this account's log groups in this region (its encryption
 * context); the publishers of an encrypted topic; and Auto Scaling's service-linked role, which
 * launches the instances with their encrypted root volumes and sends scaling notifications.
 */
export function encryptionKeyStatements(scope: Construct): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const { account, region } = stack;
  const autoScaling = { ArnEquals: { 'aws:PrincipalArn': autoScalingRoleArn(account) } };
  return [
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${region}:${account}:log-group:*` } },
    }),
    // CloudWatch alarms, EventBridge and AWS Backup, publishing to an encrypted topic.
    keyStatements(TOPIC_PUBLISHERS, account)[0],
    // The role may not exist yet (Auto Scaling makes it with the account's first group), and a key
    // policy naming a missing role is refused: the role is matched by its ARN instead.
    new iam.PolicyStatement({
      sid: 'AutoScalingVolumesAndNotifications',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: autoScaling,
    }),
    new iam.PolicyStatement({
      sid: 'AutoScalingVolumeGrants',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { ...autoScaling, Bool: { 'kms:GrantIsForAWSResource': true } },
    }),
  ];
}

/**
 * Encrypts with `key` what tiers make without a key prop of their own: every log group beneath
 * `scope` (the library's, and those aws-cdk-lib makes for it) and every SNS topic beneath it.
 * Adds the services' statements to a key of this app; for an imported key, whose policy is its
 * owner's, synth warns with every statement to add. Call it once every tier exists.
 */
export function encryptWithKey(scope: Construct, key: kms.IKey): void {
  for (const child of scope.node.findAll()) {
    if (child instanceof logs.CfnLogGroup && child.kmsKeyId === undefined) {
      child.kmsKeyId = key.keyArn;
    } else if (child instanceof sns.CfnTopic && child.kmsMasterKeyId === undefined) {
      child.kmsMasterKeyId = key.keyArn;
    }
  }
  const statements = encryptionKeyStatements(scope);
  const added = statements.map((statement) => key.addToResourcePolicy(statement, /* allowNoOp */ true).statementAdded);
  if (!added.every(Boolean)) {
    const stack = Stack.of(scope);
    const arn = Token.isUnresolved(key.keyArn) ? JSON.stringify(stack.resolve(key.keyArn)) : key.keyArn;
    Annotations.of(scope).addWarningV2(IMPORTED_ENCRYPTION_KEY_WARNING,
      `encryptionKey ${arn} is imported, so its policy cannot be changed here: add these statements to it, or the log groups, `
      + 'the notifications and the instances\' encrypted volumes fail: '
      + statements.map((statement) => JSON.stringify(stack.resolve(statement.toStatementJson()))).join(' '));
  }
}

/**
 * What `secret.grantRead(role)` grants, with the decryption by the secret's key (through Secrets
 * Manager only) in the role's own policy. aws-cdk-lib puts that part in the policy of a key of
 * this app, naming the role there, which makes a cycle when the role names a log group encrypted
 * by the same key; and an imported key's policy is not this app's to change.
 */
export function grantSecretRead(secret: secretsmanager.ISecret, role: iam.IRole): void {
  const key = secret.encryptionKey;
  if (!key) {
    secret.grantRead(role);
    return;
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    resources: [secret.secretArn],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(role).region}.amazonaws.com` } },
  }));
}
