// AWS Control Tower's proactive controls, run by the cfn-guard validator (aws-cdk-lib's policy
// validation) on the README's smallest app and on the governed app: what each breaks must be what
// the control table (fixtures/controls.ts, the README's section) says.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as cdk from 'aws-cdk-lib';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { CONTROLS, control, exempt } from '../fixtures/controls';
import { defaults, governed, Scenario } from '../fixtures/scenarios';
import { CONTROLS_END, CONTROLS_START, renderControlTable } from '../scripts/control-table';
import { readSection } from '../scripts/lib/suppressions';
import { PanintelligenceDashboard } from '../src';

/** Control id → the construct paths of the resources that break it. */
type Findings = Map<string, string[]>;

interface Synthesized {
  readonly findings: Findings;
  readonly resourceTypes: Set<string>;
}

const VALIDATOR_PACKAGE = '@cdklabs/cdk-validator-cfnguard';
const RULES_METADATA = join(require.resolve(`${VALIDATOR_PACKAGE}/package.json`), '..', 'rules', 'control-tower', 'metadata');

/**
 * How this aws-cdk-lib registers a policy-validation plugin: `Validations.of(app).addPlugins`, or
 * the older `policyValidationBeta1` app prop; undefined on a version that has neither.
 */
function pluginRegistration(): ((app: cdk.App, plugin: cdk.IPolicyValidationPluginBeta1) => void) | 'appProp' | undefined {
  const validations = (cdk as any).Validations;
  if (typeof validations?.of === 'function' && typeof validations.of(new cdk.App()).addPlugins === 'function') {
    return (app, plugin) => validations.of(app).addPlugins(plugin);
  }
  return (cdk as any).PolicyValidationReportStatusBeta1 ? 'appProp' : undefined;
}

const registration = pluginRegistration();
const describeWithValidation = registration ? describe : describe.skip;
if (!registration) {
  // eslint-disable-next-line no-console
  console.warn('This aws-cdk-lib has no policy-validation API: the Control Tower tests are skipped');
}

/** Synthesizes `scenario` with the validator and reads which controls its resources break. */
function synthesizeWithControls(scenario: Scenario): Synthesized {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CfnGuardValidator } = require(VALIDATOR_PACKAGE);
  const plugin = new CfnGuardValidator();
  const outdir = mkdtempSync(join(tmpdir(), 'control-tower-'));
  const app = registration === 'appProp'
    ? new cdk.App({ outdir, policyValidationBeta1: [plugin], context: { '@aws-cdk/core:validationReportJson': true } })
    : new cdk.App({ outdir, context: { '@aws-cdk/core:validationReportJson': true } });
  if (typeof registration === 'function') {
    registration(app, plugin);
  }
  const stack = new Stack(app, 'Dashboard', { env: { account: '123456789012', region: 'eu-west-2' } });
  new PanintelligenceDashboard(stack, 'Dashboard', scenario(stack));
  const paths = new Map(stack.node.findAll().filter(CfnResource.isCfnResource).map((r) => [stack.resolve(r.logicalId) as string, r.node.path]));

  const exitCode = process.exitCode;
  const quiet = [jest.spyOn(console, 'error').mockImplementation(() => {}), jest.spyOn(console, 'log').mockImplementation(() => {})];
  try {
    app.synth();
  } catch (e) {
    // A violation fails the synthesis (older versions only set the exit code): the report says which.
    if (!/[Vv]alidation/.test(String(e))) {
      throw e;
    }
  } finally {
    quiet.forEach((spy) => spy.mockRestore());
    process.exitCode = exitCode;
  }
  try {
    const reportFile = ['validation-report.json', 'policy-validation-report.json'].map((f) => join(outdir, f)).find(existsSync);
    if (!reportFile) {
      throw new Error(`no validation report in ${outdir}: ${readdirSync(outdir).join(', ')}`);
    }
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const findings: Findings = new Map();
    for (const pluginReport of report.pluginReports) {
      for (const violation of pluginReport.violations) {
        const id = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
        const resources: any[] = violation.violatingConstructs ?? violation.violatingResources ?? [];
        const where = resources.map((r) => paths.get(r.cloudFormationResource?.logicalId ?? r.resourceLogicalId) ?? (r.constructPath || '(no resource named)'));
        findings.set(id, [...new Set([...(findings.get(id) ?? []), ...where])].sort());
      }
    }
    const template = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8'));
    const resourceTypes = new Set(Object.values<any>(template.Resources).map((r) => r.Type as string));
    return { findings, resourceTypes };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** `findings` as `id: path, path` lines, for readable failures. */
function lines(findings: Findings): string[] {
  return [...findings].map(([id, where]) => `${id}: ${where.join(', ')}`).sort();
}

/** The findings the control table does not account for, given which statuses are allowed to fail. */
function unexplained(findings: Findings, allowed: (id: string) => boolean): Findings {
  const left: Findings = new Map();
  for (const [id, where] of findings) {
    const c = control(id);
    const rest = c ? where.filter((path) => !exempt(c, path)) : where;
    if (rest.length > 0 && !allowed(id)) {
      left.set(id, rest);
    }
  }
  return left;
}

describeWithValidation('AWS Control Tower proactive controls (cfn-guard validator)', () => {
  let smallest: Synthesized;
  let governedApp: Synthesized;

  beforeAll(() => {
    smallest = synthesizeWithControls(defaults);
    governedApp = synthesizeWithControls(governed);
  }, 600_000);

  test('the README\'s smallest app breaks only controls the table lists as needing a prop or not applicable', () => {
    expect(lines(unexplained(smallest.findings, (id) => control(id)?.status.met === 'prop'))).toEqual([]);
  });

  test('every control the table says is met by default passes in the smallest app', () => {
    const byDefault = CONTROLS.filter((c) => c.status.met === 'default').map((c) => c.id);
    const failing = lines(new Map([...unexplained(smallest.findings, () => false)].filter(([id]) => byDefault.includes(id))));
    expect(failing).toEqual([]);
  });

  test('the governed app breaks only controls the table lists as not applicable', () => {
    expect(lines(unexplained(governedApp.findings, () => false))).toEqual([]);
  });

  test('a control listed as needing a prop does fail without it (the table is no wider than needed)', () => {
    // The smallest app sets none of the organisational props, so it breaks every control that needs one.
    const needed = CONTROLS.filter((c) => c.status.met === 'prop').map((c) => c.id);
    expect(needed.filter((id) => !smallest.findings.has(id))).toEqual([]);
  });

  test('the table lists every bundled control whose resource types the apps contain, and no other', () => {
    const types = new Set([...smallest.resourceTypes, ...governedApp.resourceTypes]);
    const applicable: string[] = [];
    for (const service of readdirSync(RULES_METADATA)) {
      for (const file of readdirSync(join(RULES_METADATA, service))) {
        const metadata = JSON.parse(readFileSync(join(RULES_METADATA, service, file), 'utf8'));
        if ((metadata.EvaluatedResourceTypes ?? []).some((t: string) => types.has(t))) {
          applicable.push(metadata.Id);
        }
      }
    }
    expect(CONTROLS.map((c) => c.id).sort()).toEqual(applicable.sort());
  });

  test('the smallest app\'s alarms notify the construct\'s own topic (the check sees a broken default)', () => {
    // Without the default topic the nine alarms would break CT.CLOUDWATCH.PR.1: the table must not claim it met.
    expect(smallest.findings.has('CT.CLOUDWATCH.PR.1')).toBe(false);
    expect(control('CT.CLOUDWATCH.PR.1')?.status.met).toBe('default');
  });
});

describe('the control table', () => {
  test('the README lists exactly the controls of the table (run `npx projen docs:controls` to update)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readSection(readme, CONTROLS_START, CONTROLS_END)).toBe(renderControlTable());
  });

  test('a row says how the dashboard meets the control, and where it does not apply', () => {
    const rows = renderControlTable().split('\n');
    expect(rows).toHaveLength(2 + CONTROLS.length);
    expect(rows).toContain('| CT.RDS.PR.20 | the database does not listen on its engine\'s default port | met with `databasePort`: a port other than 3306 |');
    expect(rows.find((r) => r.startsWith('| CT.SQS.PR.1 |'))).toMatch(/\| not applicable: the dashboard's one queue is itself the dead-letter queue/);
    expect(rows.find((r) => r.startsWith('| CT.S3.PR.10 |'))).toMatch(/met with `encryptionKey`: .*; not applicable to the log bucket: /);
  });

  test('each control is listed once, with a reason wherever it does not apply', () => {
    const ids = CONTROLS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CONTROLS) {
      expect(c.asks.length).toBeGreaterThan(10);
      if (c.status.met === 'notApplicable') {
        expect(c.status.reason.length).toBeGreaterThan(20);
      }
      for (const e of c.exceptions ?? []) {
        expect(e.reason.length).toBeGreaterThan(20);
      }
    }
  });
});
