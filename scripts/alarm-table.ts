// Renders the README's alarm table from the monitoring catalogue, and rewrites it when run.
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { writeSection } from './lib/suppressions';
import { ALARM_CATALOGUE, AlarmSpec, Threshold } from '../src/private/monitoring/alarms';

export const ALARMS_START = '<!-- alarms:start -->';
export const ALARMS_END = '<!-- alarms:end -->';

const OPERATORS: Partial<Record<cloudwatch.ComparisonOperator, string>> = {
  [cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD]: '≥',
  [cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD]: '>',
  [cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD]: '<',
  [cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD]: '≤',
};

function thresholdText(t: Threshold): string {
  switch (t.unit) {
    case 'percent': return `${t.value} %`;
    case 'seconds': return `${t.value} s`;
    case 'GiB': return `${t.value} GiB`;
    default: return `${t.value} ${t.value === 1 ? t.unit.replace(/s$/, '') : t.unit}`;
  }
}

function defaultText(spec: AlarmSpec): string {
  const operator = OPERATORS[spec.comparison];
  if (!operator) throw new Error(`no symbol for ${spec.comparison}`);
  const threshold = typeof spec.defaultThreshold === 'function' ? spec.defaultThresholdDoc : thresholdText(spec.defaultThreshold);
  if (!threshold) throw new Error(`${spec.name}: a threshold that depends on the resources needs defaultThresholdDoc`);
  const period = `${spec.period.toMinutes()} min`;
  const window = spec.evaluationPeriods === 1 ? `in ${period}` : `for ${spec.evaluationPeriods} × ${period}`;
  return `${operator} ${threshold} ${window}${spec.note ? ` (${spec.note})` : ''}`;
}

export function renderAlarmTable(catalogue: ReadonlyArray<AlarmSpec> = ALARM_CATALOGUE): string {
  return [
    '| alarm (`alarms.` key) | metric | default |',
    '|---|---|---|',
    ...catalogue.map((spec) => `| \`${spec.name}\` | ${spec.metricDoc} | ${defaultText(spec)} |`),
  ].join('\n');
}

if (require.main === module) {
  const path = join(__dirname, '..', 'README.md');
  writeFileSync(path, writeSection(readFileSync(path, 'utf8'), ALARMS_START, ALARMS_END, renderAlarmTable()));
  console.log(`README.md: ${ALARM_CATALOGUE.length} alarms listed`);
}
