// Renders the README's table of AWS Control Tower proactive controls from fixtures/controls.ts,
// the list test/control-tower.test.ts checks against the cfn-guard validator, and rewrites it when run.
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { writeSection } from './lib/suppressions';
import { Control, CONTROLS } from '../fixtures/controls';

export const CONTROLS_START = '<!-- controls:start -->';
export const CONTROLS_END = '<!-- controls:end -->';

/** A table cell: no line breaks or pipes. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

function statusText(c: Control): string {
  const status = c.status;
  let text: string;
  switch (status.met) {
    case 'default':
      text = `met by default${status.note ? ` (${status.note})` : ''}`;
      break;
    case 'prop':
      text = `met with ${status.props.map((p) => `\`${p}\``).join(' and ')}: ${status.how}`;
      break;
    case 'notApplicable':
      text = `not applicable: ${status.reason}`;
      break;
  }
  const exceptions = (c.exceptions ?? []).map((e) => `; not applicable to ${e.what}: ${e.reason}`).join('');
  return cell(text + exceptions);
}

export function renderControlTable(controls: ReadonlyArray<Control> = CONTROLS): string {
  return [
    '| control | asks that | the dashboard |',
    '|---|---|---|',
    ...controls.map((c) => `| ${c.id} | ${cell(c.asks)} | ${statusText(c)} |`),
  ].join('\n');
}

if (require.main === module) {
  const path = join(__dirname, '..', 'README.md');
  writeFileSync(path, writeSection(readFileSync(path, 'utf8'), CONTROLS_START, CONTROLS_END, renderControlTable()));
  console.log(`README.md: ${CONTROLS.length} controls listed`);
}
