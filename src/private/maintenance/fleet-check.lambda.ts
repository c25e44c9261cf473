// The steps of the rotation refresh that need code: when the next maintenance window opens
// (`plan`), and whether any instance still holds the app secret's previous value (`check`). Called
// by the refresh state machine; settings come from the environment.
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { checkFleet, FleetCheck, FleetInstance, secretChangedAt, SecretVersion } from './fleet-check';
import { WEEK_DAYS, WeekDayCode, windowAt, WindowSpec } from './window';

/** The request of a state: which step to run. */
export interface FleetCheckEvent {
  readonly action: 'plan' | 'check';
}

/** The answer to `plan`: when the refresh may start. */
export interface Plan {
  readonly inWindow: boolean;
  /** ISO 8601 in whole seconds, as a Wait state takes it: now when inside the window. */
  readonly waitUntil: string;
}

function setting(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

/** The window from WINDOW_DAY, WINDOW_START_HOUR and WINDOW_HOURS. */
export function windowFromEnv(): WindowSpec {
  const day = setting('WINDOW_DAY') as WeekDayCode;
  const startHour = Number(setting('WINDOW_START_HOUR'));
  const hours = Number(setting('WINDOW_HOURS'));
  if (!WEEK_DAYS.includes(day) || !Number.isInteger(startHour) || !Number.isInteger(hours) || startHour < 0 || hours < 1 || startHour + hours > 24) {
    throw new Error(`the maintenance window ${day} ${startHour}:00 for ${hours} h is not valid`);
  }
  return { day, startHour, hours };
}

/** `plan`: now if inside the window, else the next opening. */
export function plan(now: Date, window: WindowSpec): Plan {
  const at = windowAt(now, window);
  const when = at.inWindow ? now : at.start;
  return { inWindow: at.inWindow, waitUntil: when.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

async function secretVersions(client: SecretsManagerClient, secretId: string): Promise<SecretVersion[]> {
  const versions: SecretVersion[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken: nextToken }));
    versions.push(...(page.Versions ?? []).map((v) => ({ stages: v.VersionStages ?? [], created: v.CreatedDate })));
    nextToken = page.NextToken;
  } while (nextToken);
  return versions;
}

async function fleet(client: EC2Client, groupName: string): Promise<FleetInstance[]> {
  const instances: FleetInstance[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag:aws:autoscaling:groupName', Values: [groupName] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
      NextToken: nextToken,
    }));
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (instance.InstanceId && instance.LaunchTime) {
          instances.push({ id: instance.InstanceId, launchTime: instance.LaunchTime, state: instance.State?.Name ?? 'unknown' });
        }
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return instances;
}

/** `check`: compares the fleet's launch times with the app secret's last change. */
export async function check(): Promise<FleetCheck> {
  const secretId = setting('SECRET_ARN');
  const secrets = new SecretsManagerClient({});
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const changedAt = secretChangedAt(described.LastRotatedDate, await secretVersions(secrets, secretId));
  return checkFleet(await fleet(new EC2Client({}), setting('GROUP_NAME')), changedAt);
}

export async function handler(event: FleetCheckEvent): Promise<Plan | FleetCheck> {
  if (event.action === 'plan') {
    const result = plan(new Date(), windowFromEnv());
    console.log(JSON.stringify({ action: 'plan', ...result }));
    return result;
  }
  if (event.action === 'check') {
    const result = await check();
    console.log(JSON.stringify({ action: 'check', ...result }));
    return result;
  }
  throw new Error(`unknown action ${JSON.stringify((event as { action?: unknown }).action)}`);
}
