import { Aspects, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { CDK_NAG_3, CDK_NAG_3_PLUGIN, testFromCdk } from './cdk-range';
import { build, customised, defaults, organisational, Scenario, withFirewall } from '../fixtures/scenarios';

const testNag3 = testFromCdk(CDK_NAG_3, 'cdk-nag 3');
const testNag3Plugin = testFromCdk(CDK_NAG_3_PLUGIN, 'cdk-nag 3 as a policy-validation plugin');

const scenarios: Array<[string, Scenario]> = [
  ['default', defaults], ['customised', customised], ['firewall', withFirewall], ['organisational', organisational],
];

describe.each(scenarios)('cdk-nag AwsSolutions on the %s stack', (_name, scenario) => {
  test('cdk-nag 2 (Aspects) finds no unsuppressed error or warning', () => {
    const { stack } = build(scenario);
    Aspects.of(stack).add(new AwsSolutionsChecksV2({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });

  testNag3('cdk-nag 3 (validateScope) finds no violation', () => {
    const { stack } = build(scenario);
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName}: ${r.constructPath}`));
    expect(findings).toEqual([]);
  });

  testNag3Plugin('cdk-nag 3 as a policy-validation plugin lets the app synthesize', () => {
    const { app } = build(scenario);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the checks can fail', () => {
  // An unencrypted topic next to the dashboard: AwsSolutions-SNS3 (no TLS policy) must be reported.
  const withPlainTopic = () => {
    const built = build(defaults);
    new sns.Topic(built.stack, 'Plain');
    return built;
  };

  test('cdk-nag 2 reports an unsuppressed finding', () => {
    const { stack } = withPlainTopic();
    Aspects.of(stack).add(new AwsSolutionsChecksV2());
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-SNS3'))).not.toEqual([]);
  });

  testNag3('cdk-nag 3 reports it through validateScope', () => {
    const { stack } = withPlainTopic();
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toContain('AwsSolutions-SNS3');
  });

  testNag3Plugin('cdk-nag 3 reports it as a plugin', () => {
    const { app } = withPlainTopic();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});
