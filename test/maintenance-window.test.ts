// The maintenance window: both rotations and the refresh after a rotation happen in it, the two
// rotations never meet, and a scheduled check in the window refreshes a fleet that missed the
// rotation's event.
import { createServer, IncomingMessage, Server } from 'http';
import { AddressInfo } from 'net';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { PanintelligenceDashboardProps, WeekDay } from '../src';
import { synth } from './util';
import { checkFleet, secretChangedAt } from '../src/private/maintenance/fleet-check';
import { check, handler, plan } from '../src/private/maintenance/fleet-check.lambda';
import { rotationCadence, rotationRules, WEEK_DAYS, windowAt, WindowSpec } from '../src/private/maintenance/window';

const SUNDAY_WINDOW: WindowSpec = { day: 'SUN', startHour: 2, hours: 4 };
const at = (iso: string) => new Date(iso);

describe('where a moment stands against the window', () => {
  test.each([
    // 2026-03-01 is a Sunday.
    ['2026-03-01T03:00:00Z', true, '2026-03-01T02:00:00.000Z'],
    ['2026-03-01T02:00:00Z', true, '2026-03-01T02:00:00.000Z'],
    ['2026-03-01T05:59:59Z', true, '2026-03-01T02:00:00.000Z'],
    ['2026-03-01T06:00:00Z', false, '2026-03-08T02:00:00.000Z'],
    ['2026-03-01T01:59:59Z', false, '2026-03-01T02:00:00.000Z'],
    ['2026-03-04T12:00:00Z', false, '2026-03-08T02:00:00.000Z'],
    ['2026-02-28T23:00:00Z', false, '2026-03-01T02:00:00.000Z'],
    // Across a year's end: 2026-12-31 is a Thursday.
    ['2026-12-31T10:00:00Z', false, '2027-01-03T02:00:00.000Z'],
  ])('%s: inside %s, window opening %s', (now, inWindow, start) => {
    expect(windowAt(at(now), SUNDAY_WINDOW)).toEqual({ inWindow, start: at(start) });
  });

  test('a window that closes at midnight', () => {
    const late: WindowSpec = { day: 'MON', startHour: 22, hours: 2 };
    // 2026-03-02 is a Monday.
    expect(windowAt(at('2026-03-02T23:30:00Z'), late).inWindow).toBe(true);
    expect(windowAt(at('2026-03-03T00:00:00Z'), late)).toEqual({ inWindow: false, start: at('2026-03-09T22:00:00Z') });
  });

  test('plan: now inside the window, else its next opening, in whole seconds for a Wait state', () => {
    expect(plan(at('2026-03-01T03:15:42.123Z'), SUNDAY_WINDOW)).toEqual({ inWindow: true, waitUntil: '2026-03-01T03:15:42Z' });
    expect(plan(at('2026-03-04T12:00:00.500Z'), SUNDAY_WINDOW)).toEqual({ inWindow: false, waitUntil: '2026-03-08T02:00:00Z' });
  });
});

describe('rotation schedules in the window', () => {
  test.each([
    [7, 'weekly'], [14, 'weekly'], [27, 'weekly'], [28, 1], [30, 1], [59, 1], [60, 2], [89, 2], [90, 3],
    [119, 3], [120, 4], [179, 4], [180, 6], [359, 6], [360, 12], [1000, 12],
  ])('a period of %d days rotates %s', (days, expected) => {
    const cadence = rotationCadence(days);
    expect(cadence.weekly ? 'weekly' : cadence.months).toBe(expected);
  });

  test('the default periods: master on the first Sunday of the month, app on the third, at different hours', () => {
    expect(rotationRules(SUNDAY_WINDOW, 'master', 30)).toEqual({ scheduleExpression: 'cron(0 2 ? * SUN#1 *)', duration: '1h' });
    expect(rotationRules(SUNDAY_WINDOW, 'app', 30)).toEqual({ scheduleExpression: 'cron(0 3 ? * SUN#3 *)', duration: '3h' });
    expect(rotationRules(SUNDAY_WINDOW, 'app', 14)).toEqual({ scheduleExpression: 'cron(0 3 ? * SUN *)', duration: '3h' });
    expect(rotationRules(SUNDAY_WINDOW, 'master', 200)).toEqual({ scheduleExpression: 'cron(0 2 ? 1/6 SUN#1 *)', duration: '1h' });
  });

  /** The rotation windows a rule opens over two years, evaluated independently of the rules' code. */
  function rotations(rules: { scheduleExpression: string; duration: string }): Array<{ day: string; from: number; to: number }> {
    const [, minute, hour, dom, month, dow, year] = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(rules.scheduleExpression)!;
    // What Secrets Manager's cron asks for: minute 0, any year, no day-of-month.
    expect([minute, dom, year]).toEqual(['0', '?', '*']);
    const [dayName, nth] = dow.split('#');
    const step = month === '*' ? 1 : Number(/^1\/(\d+)$/.exec(month)![1]);
    const found = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2028, 0, 1); t += 86_400_000) {
      const d = new Date(t);
      const monthMatches = d.getUTCMonth() % step === 0;
      const dayMatches = WEEK_DAYS[d.getUTCDay()] === dayName && (nth === undefined || Math.ceil(d.getUTCDate() / 7) === Number(nth));
      if (monthMatches && dayMatches) {
        const from = Number(hour);
        found.push({ day: d.toISOString().slice(0, 10), from, to: from + Number(rules.duration.replace(/h$/, '')) });
      }
    }
    return found;
  }

  test.each([
    [SUNDAY_WINDOW, 30, 30], [SUNDAY_WINDOW, 7, 30], [SUNDAY_WINDOW, 30, 7], [SUNDAY_WINDOW, 7, 7], [SUNDAY_WINDOW, 90, 60],
    [{ day: 'WED', startHour: 21, hours: 3 } as WindowSpec, 365, 14], [{ day: 'SAT', startHour: 0, hours: 2 } as WindowSpec, 1000, 1000],
  ])('in %o with master every %d days and app every %d: both inside the window, never at the same time', (window, masterDays, appDays) => {
    const master = rotations(rotationRules(window, 'master', masterDays));
    const app = rotations(rotationRules(window, 'app', appDays));
    for (const r of [...master, ...app]) {
      expect(WEEK_DAYS[new Date(`${r.day}T00:00:00Z`).getUTCDay()]).toBe(window.day);
      expect(r.from).toBeGreaterThanOrEqual(window.startHour);
      expect(r.to).toBeLessThanOrEqual(Math.min(24, window.startHour + window.hours));
    }
    for (const m of master) {
      for (const a of app.filter((x) => x.day === m.day)) {
        expect(m.to <= a.from || a.to <= m.from).toBe(true);
      }
    }
    // Both monthly or less often: never even the same day.
    if (!rotationCadence(masterDays).weekly && !rotationCadence(appDays).weekly) {
      expect(master.filter((m) => app.some((a) => a.day === m.day))).toEqual([]);
    }
    // At least a rotation a year, as many as the cadence says.
    expect(master.length).toBeGreaterThanOrEqual(2);
    expect(app.length).toBeGreaterThanOrEqual(2);
  });
});

describe('the safety net\'s decision', () => {
  const changed = at('2026-03-15T03:20:00Z');
  const instance = (id: string, launched: string, state = 'running') => ({ id, launchTime: at(launched), state });

  test('an instance started before the secret changed holds the previous credentials: refresh', () => {
    const result = checkFleet([instance('i-new', '2026-03-15T03:40:00Z'), instance('i-old', '2026-03-01T02:30:00Z')], changed);
    expect(result).toEqual({
      refresh: true,
      stale: ['i-old'],
      secretChangedAt: '2026-03-15T03:20:00.000Z',
      reason: '1 of 2 instances started before the secret changed at 2026-03-15T03:20:00.000Z',
    });
  });

  test('every instance started after the change: nothing to do', () => {
    expect(checkFleet([instance('i-a', '2026-03-15T03:20:01Z'), instance('i-b', '2026-03-16T00:00:00Z', 'pending')], changed))
      .toMatchObject({ refresh: false, stale: [] });
  });

  test('instances on their way out do not count', () => {
    expect(checkFleet([instance('i-gone', '2026-03-01T00:00:00Z', 'shutting-down'), instance('i-stopped', '2026-03-01T00:00:00Z', 'stopped')], changed))
      .toMatchObject({ refresh: false, stale: [] });
  });

  test('a secret with no known change asks for nothing', () => {
    expect(checkFleet([instance('i-a', '2020-01-01T00:00:00Z')], undefined)).toEqual({ refresh: false, stale: [], reason: 'the secret has no known change' });
  });

  test('the change is the later of the last rotation and the current version\'s creation', () => {
    const versions = [
      { stages: ['AWSPREVIOUS'], created: at('2026-03-20T00:00:00Z') },
      { stages: ['AWSCURRENT'], created: at('2026-03-15T03:19:50Z') },
    ];
    // A rotation moves AWSCURRENT at its end, after it created the version.
    expect(secretChangedAt(at('2026-03-15T03:20:00Z'), versions)).toEqual(at('2026-03-15T03:20:00Z'));
    // A value put by hand later is current at once.
    expect(secretChangedAt(at('2026-03-01T00:00:00Z'), versions)).toEqual(at('2026-03-15T03:19:50Z'));
    expect(secretChangedAt(undefined, [{ stages: ['AWSCURRENT'], created: at('2026-01-01T00:00:00Z') }])).toEqual(at('2026-01-01T00:00:00Z'));
    expect(secretChangedAt(undefined, [])).toBeUndefined();
  });
});

describe('the fleet-check function against local Secrets Manager and EC2 stand-ins', () => {
  let api: Server;
  const saved = { ...process.env };
  const requests: Array<{ target?: string; body: string }> = [];
  let instancesPages: string[][] = [];
  let lastRotated: number | undefined;

  const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
  });

  const ec2Page = (items: string[], nextToken?: string) => '<?xml version="1.0" encoding="UTF-8"?>'
    + '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet>'
    + `<item><reservationId>r-1</reservationId><instancesSet>${items.join('')}</instancesSet></item></reservationSet>`
    + `${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}</DescribeInstancesResponse>`;
  const ec2Instance = (id: string, launched: string) =>
    `<item><instanceId>${id}</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>${launched}</launchTime></item>`;

  beforeAll(async () => {
    api = createServer(async (req, res) => {
      const text = await body(req);
      const target = req.headers['x-amz-target'] as string | undefined;
      requests.push({ target, body: text });
      if (target === 'secretsmanager.DescribeSecret') {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify({ ARN: 'app', Name: 'app', ...(lastRotated ? { LastRotatedDate: lastRotated } : {}) }));
      } else if (target === 'secretsmanager.ListSecretVersionIds') {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        const first = !JSON.parse(text).NextToken;
        res.end(JSON.stringify(first
          ? { Versions: [{ VersionId: 'v1', VersionStages: ['AWSPREVIOUS'], CreatedDate: 1772000000 }], NextToken: 'more' }
          : { Versions: [{ VersionId: 'v2', VersionStages: ['AWSCURRENT'], CreatedDate: Date.parse('2026-03-15T03:19:50Z') / 1000 }] }));
      } else if (/Action=DescribeInstances/.test(text)) {
        res.setHeader('content-type', 'text/xml');
        const page = /NextToken=([^&]+)/.exec(text) ? 1 : 0;
        res.end(ec2Page(instancesPages[page], page + 1 < instancesPages.length ? 'page2' : undefined));
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
      }
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_ENDPOINT_URL_EC2: endpoint,
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SECRET_ARN: 'app',
      GROUP_NAME: 'Dashboard-Fleet-ASG',
      WINDOW_DAY: 'SUN',
      WINDOW_START_HOUR: '2',
      WINDOW_HOURS: '4',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => api.close(resolve));
  });

  beforeEach(() => {
    requests.length = 0;
    lastRotated = undefined;
  });

  test('an instance that predates the current version is found, over every page of versions and instances', async () => {
    instancesPages = [[ec2Instance('i-old', '2026-03-01T02:30:00.000Z')], [ec2Instance('i-new', '2026-03-15T03:40:00.000Z')]];
    expect(await check()).toMatchObject({ refresh: true, stale: ['i-old'], secretChangedAt: '2026-03-15T03:19:50.000Z' });
    // Only the fleet's live instances are asked for.
    const describe = requests.find((r) => /Action=DescribeInstances/.test(r.body))!.body;
    const form = new URLSearchParams(describe);
    expect([form.get('Filter.1.Name'), form.get('Filter.1.Value.1')]).toEqual(['tag:aws:autoscaling:groupName', 'Dashboard-Fleet-ASG']);
    expect([form.get('Filter.2.Name'), form.get('Filter.2.Value.1'), form.get('Filter.2.Value.2')]).toEqual(['instance-state-name', 'pending', 'running']);
    expect(requests.filter((r) => /Action=DescribeInstances/.test(r.body))).toHaveLength(2);
    expect(requests.filter((r) => r.target === 'secretsmanager.ListSecretVersionIds')).toHaveLength(2);
    // It never reads the secret's value.
    expect(requests.map((r) => r.target)).not.toContain('secretsmanager.GetSecretValue');
  });

  test('a fleet refreshed after the last rotation is left alone', async () => {
    lastRotated = Date.parse('2026-03-15T03:20:00Z') / 1000;
    instancesPages = [[ec2Instance('i-a', '2026-03-15T03:45:00.000Z'), ec2Instance('i-b', '2026-03-15T03:50:00.000Z')]];
    expect(await handler({ action: 'check' })).toMatchObject({ refresh: false, stale: [], secretChangedAt: '2026-03-15T03:20:00.000Z' });
  });

  test('plan reads the window from the environment; a bad window or action fails loudly', async () => {
    const result = await handler({ action: 'plan' }) as { inWindow: boolean; waitUntil: string };
    expect(result.waitUntil).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(windowAt(new Date(result.waitUntil), SUNDAY_WINDOW).inWindow).toBe(true);
    process.env.WINDOW_HOURS = '23';
    await expect(handler({ action: 'plan' })).rejects.toThrow(/the maintenance window SUN 2:00 for 23 h is not valid/);
    process.env.WINDOW_HOURS = '4';
    await expect(handler({ action: 'rotate' } as never)).rejects.toThrow(/unknown action "rotate"/);
  });
});

describe('the window in the template', () => {
  const APP = /DatabaseAppSecretAttachment/;
  const scheduleOf = (template: Template, secret: RegExp) => {
    const [secretId] = Object.keys(template.findResources('AWS::SecretsManager::SecretTargetAttachment')).filter((id) => secret.test(id));
    return (Object.values(template.findResources('AWS::SecretsManager::RotationSchedule', { Properties: { SecretId: { Ref: secretId } } }))[0] as any)
      .Properties;
  };

  test('a window set by props moves both rotations, the safety net and the function\'s settings', () => {
    const { template } = synth(() => ({
      maintenanceWindow: { day: WeekDay.WEDNESDAY, startHour: 20, duration: Duration.hours(3) },
      secretRotation: Duration.days(60),
      masterSecretRotation: Duration.days(14),
    }));
    expect(scheduleOf(template, APP).RotationRules).toEqual({ ScheduleExpression: 'cron(0 21 ? 1/2 WED#3 *)', Duration: '2h' });
    expect(scheduleOf(template, /DatabaseInstanceSecretAttachment/).RotationRules).toEqual({ ScheduleExpression: 'cron(0 20 ? * WED *)', Duration: '1h' });
    const [window] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'cron(0 20 ? * WED *)' } }));
    expect(window).toBeDefined();
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.Environment?.Variables?.WINDOW_DAY) as any;
    expect(fn.Properties.Environment.Variables).toMatchObject({ WINDOW_DAY: 'WED', WINDOW_START_HOUR: '20', WINDOW_HOURS: '3' });
  });

  test('the fleet check runs in the fleet\'s subnets, may describe the app secret (never read it) and the instances', () => {
    const { template } = synth();
    const [fnId, fn] = Object.entries(template.findResources('AWS::Lambda::Function'))
      .find(([, f]: [string, any]) => f.Properties.Environment?.Variables?.WINDOW_DAY) as [string, any];
    expect(fnId).toMatch(/^DashboardDatabaseFleetCheck/);
    const asg = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0] as any;
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(asg.Properties.VPCZoneIdentifier);
    const [appSecret] = Object.keys(template.findResources('AWS::SecretsManager::SecretTargetAttachment')).filter((id) => APP.test(id));
    expect(fn.Properties.Environment.Variables.SECRET_ARN).toEqual({ Ref: appSecret });
    const role = template.toJSON().Resources[fn.Properties.Role['Fn::GetAtt'][0]];
    const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements).toContainEqual({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], Effect: 'Allow', Resource: { Ref: appSecret } });
    // With the network-interface actions of a function in a VPC, which take no narrower resource either.
    expect(statements).toContainEqual({
      Action: ['ec2:DescribeInstances', 'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      Effect: 'Allow',
      Resource: '*',
    });
    expect(JSON.stringify(statements)).not.toContain('GetSecretValue');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test.each([
    [{ maintenanceWindow: { day: WeekDay.SUNDAY, startHour: 23 } }, /maintenanceWindow.startHour must be a whole hour from 0 to 22 \(UTC\), got 23/],
    [{ maintenanceWindow: { day: WeekDay.SUNDAY, startHour: 2.5 } }, /maintenanceWindow.startHour must be a whole hour/],
    [{ maintenanceWindow: { day: WeekDay.SUNDAY, startHour: 2, duration: Duration.hours(1) } }, /maintenanceWindow.duration must be whole hours, at least 2/],
    [{ maintenanceWindow: { day: WeekDay.SUNDAY, startHour: 2, duration: Duration.minutes(150) } }, /maintenanceWindow.duration must be whole hours/],
    [{ maintenanceWindow: { day: WeekDay.SUNDAY, startHour: 21 } }, /maintenanceWindow.duration must end the window by midnight UTC.*21:00 plus 4 hours/],
    [{ maintenanceWindow: { day: 'Sunday' as WeekDay, startHour: 2 } }, /maintenanceWindow.day must be a WeekDay, got Sunday/],
    [{ secretRotation: Duration.days(6) }, /secretRotation must be from 7 to 1000 days \(rotations happen in the weekly maintenanceWindow\), got 6 days/],
    [{ masterSecretRotation: Duration.hours(12) }, /masterSecretRotation must be from 7 to 1000 days/],
  ] as Array<[Partial<PanintelligenceDashboardProps>, RegExp]>)('refuses %o', (props, message) => {
    expect(() => synth(() => props)).toThrow(message);
  });

  test('a window that ends at midnight is accepted', () => {
    const { template } = synth(() => ({ maintenanceWindow: { day: WeekDay.SATURDAY, startHour: 20 } }));
    expect(scheduleOf(template, APP).RotationRules).toEqual({ ScheduleExpression: 'cron(0 21 ? * SAT#3 *)', Duration: '3h' });
  });

  test('in a VPC without a NAT gateway the check needs nothing of it', () => {
    const { template } = synth((s: Stack) => ({
      vpc: new ec2.Vpc(s, 'NoNat', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      }),
      fleetSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      secretsManagerEndpoint: true,
    }));
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.Environment?.Variables?.WINDOW_DAY) as any;
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).filter((id) => /RefreshOnRotation/.test(id))).toHaveLength(1);
  });
});
