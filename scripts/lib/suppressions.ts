import { CfnResource, Stack } from 'aws-cdk-lib';

/** One cdk-nag suppression as the construct writes it, for the README's list. */
export interface SuppressionRow {
  readonly resource: string;
  readonly rule: string;
  readonly reason: string;
}

export const SUPPRESSIONS_START = '<!-- nag-suppressions:start -->';
export const SUPPRESSIONS_END = '<!-- nag-suppressions:end -->';

/** Every suppression in `stacks`, one row per resource kind and rule, paths made generic. */
export function collectSuppressions(stacks: Stack[]): SuppressionRow[] {
  const rows = new Map<string, SuppressionRow>();
  for (const stack of stacks) {
    for (const node of stack.node.findAll()) {
      if (!CfnResource.isCfnResource(node)) continue;
      const rules: Array<{ id: string; reason: string; applies_to?: string[] }> = node.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
      const resource = `${node.cfnResourceType} \`${displayPath(node.node.path)}\``;
      for (const rule of rules) {
        const id = rule.applies_to ? `${rule.id} (${rule.applies_to.map((a) => `\`${generic(stack, a)}\``).join(', ')})` : rule.id;
        rows.set(`${resource}|${id}`, { resource, rule: id, reason: rule.reason });
      }
    }
  }
  return [...rows.values()].sort((a, b) => a.rule.localeCompare(b.rule) || a.resource.localeCompare(b.resource));
}

/** A finding with the test stack's region and account written as placeholders. */
function generic(stack: Stack, finding: string): string {
  return finding.split(`${stack.region}:${stack.account}`).join('<region>:<account>');
}

/** The path below the dashboard construct, which is the same in every app. */
function displayPath(path: string): string {
  const parts = path.split('/');
  return parts.slice(2).join('/');
}

export function renderSuppressions(rows: SuppressionRow[]): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| rule | resource | reason |',
    '|---|---|---|',
    ...rows.map((r) => `| ${escape(r.rule)} | ${escape(r.resource)} | ${escape(r.reason)} |`),
  ].join('\n');
}

/** The text between the markers in `readme`, or undefined when they are missing. */
export function readSection(readme: string, start: string, end: string): string | undefined {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return readme.slice(from + start.length, to).trim();
}

export function writeSection(readme: string, start: string, end: string, body: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end} section`);
  return `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`;
}
