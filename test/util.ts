import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { PanintelligenceDashboard, PanintelligenceDashboardProps } from '../src';

export const AMI_ID = 'ami-0123456789abcdef0';

/** Props every test needs: an AMI and a domain in a hosted zone. */
export function baseProps(stack: Stack): PanintelligenceDashboardProps {
  return {
    machineImage: ec2.MachineImage.genericLinux({ 'eu-west-2': AMI_ID }),
    domainName: 'bi.example.com',
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0123456789EXAMPLE',
      zoneName: 'example.com',
    }),
  };
}

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
