import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AMI_ID, baseProps } from '../fixtures/dashboard';
import { PanintelligenceDashboard, PanintelligenceDashboardProps } from '../src';

export { AMI_ID, baseProps };

export interface Synthesized {
  readonly stack: Stack;
  readonly dashboard: PanintelligenceDashboard;
  readonly template: Template;
}

/**
 * A dashboard in its own stack (eu-west-2), with `overrides` on top of the base props; `before`
 * runs on the dashboard before the stack is synthesized (e.g. to acknowledge a warning).
 */
export function synth(
  overrides: (stack: Stack) => Partial<PanintelligenceDashboardProps> = () => ({}),
  before?: (dashboard: PanintelligenceDashboard) => void,
): Synthesized {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-2' } });
  const dashboard = new PanintelligenceDashboard(stack, 'Dashboard', { ...baseProps(stack), ...overrides(stack) });
  before?.(dashboard);
  return { stack, dashboard, template: Template.fromStack(stack) };
}

/** The one resource of `type` in the template, failing when there is not exactly one. */
export function only(template: Template, type: string): { Properties: any; [key: string]: any } {
  const found = Object.values(template.findResources(type));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${found.length}`);
  }
  return found[0] as any;
}
