import { CustomResource, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IDependable } from 'constructs';
import { grantSecretRead } from '../encryption';
import { vpcFunctionRole } from '../function-role';
import { handlerAsset, handlerResource } from '../handler-resource';
import { createLogGroup } from '../logging';
import { APP_PRIVILEGES } from './sql';

/** The bundled provisioning handler, provision.lambda.ts. */
const PROVISION_HANDLER_ASSET = handlerAsset(__dirname, 'provision');

/** Internal: where the provisioning runs and what it provisions. */
export interface AppUserProps {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The function's security group, already allowed to MariaDB and Secrets Manager. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** What must exist before the function runs: its network path (egress and ingress rules, the endpoint). */
  readonly networkPath: IDependable[];
  /** The master secret, which the function logs in with. */
  readonly masterSecret: secretsmanager.ISecret;
  /** The app secret, whose user the function creates. */
  readonly appSecret: secretsmanager.ISecret;
  readonly schemaName: string;
  /** Identifier of the database instance: a new one (a restore) runs the provisioning again. */
  readonly databaseInstanceId: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The custom resource that creates the schema and the app user from the master secret: a
 * function of its own in the VPC, called through aws-cdk-lib's provider framework. Its parts
 * are made in `scope` (the database tier), where their logical ids have always been.
 */
export function provisionAppUser(scope: Construct, props: AppUserProps): CustomResource {
  const logGroup = createLogGroup(scope, 'ProvisioningLogs', { retention: props.logRetention });
  const role = vpcFunctionRole(scope, 'ProvisioningRole', 'Panintelligence dashboard database user provisioning', logGroup);
  grantSecretRead(props.masterSecret, role);
  grantSecretRead(props.appSecret, role);

  const { function: handler, resource } = handlerResource(scope, {
    ids: { function: 'ProvisioningFunction', provider: 'ProvisioningProvider', providerLogs: 'ProvisioningProviderLogs', resource: 'AppUser' },
    function: {
      description: 'Creates the Panintelligence dashboard database user and schema',
      code: lambda.Code.fromAsset(PROVISION_HANDLER_ASSET),
      role,
      memorySize: 256,
      timeout: Duration.minutes(2),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      logGroup,
    },
    providerLogs: { retention: props.logRetention },
    resourceType: 'Custom::PanintelligenceDatabaseUser',
    properties: {
      MasterSecretArn: props.masterSecret.secretArn,
      AppSecretArn: props.appSecret.secretArn,
      SchemaName: props.schemaName,
      // The privileges the handler grants: a library version that changes them re-runs the
      // provisioning on the stack's update, for both users of the alternating rotation.
      Privileges: [...APP_PRIVILEGES],
      // A new database instance (a restore from a snapshot) re-runs the provisioning, so both
      // users' passwords and grants match the secrets again.
      DatabaseInstance: props.databaseInstanceId,
    },
    providerReasons: {
      basicExecutionRole: 'aws-cdk-lib\'s custom resource provider function only relays one request per deployment and logs with the basic Lambda policy.',
      invoke: 'The provider function may invoke every version of the provisioning function only; Lambda grants name them with a :* suffix.',
    },
  });
  // The function's network path must exist before it runs.
  handler.node.addDependency(...props.networkPath);
  return resource;
}
