import { readFileSync } from 'fs';
import { join } from 'path';
import { Duration } from 'aws-cdk-lib';
import { ALARMS_END, ALARMS_START, renderAlarmTable } from '../scripts/alarm-table';
import { readSection } from '../scripts/lib/suppressions';
import { ALARM_CATALOGUE } from '../src/private/monitoring/alarms';

describe('README alarm table', () => {
  test('lists exactly the alarms of the catalogue (run `npx projen docs:alarms` to update)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readSection(readme, ALARMS_START, ALARMS_END)).toBe(renderAlarmTable());
  });

  test('a row states the metric, comparison, threshold with its unit, window and note', () => {
    const rows = renderAlarmTable().split('\n');
    expect(rows).toHaveLength(2 + ALARM_CATALOGUE.length);
    expect(rows).toContain('| `unhealthyHosts` | `UnHealthyHostCount` (max) | ≥ 1 host for 5 × 1 min (a booting or replaced host settles first) |');
    expect(rows).toContain('| `databaseCpu` | RDS `CPUUtilization` (average) | > 80 % for 3 × 5 min |');
    expect(rows).toContain('| `databaseFreeStorage` | RDS `FreeStorageSpace` (min) | < 10 % of the allocated storage in 5 min |');
  });

  test('follows a change of the catalogue', () => {
    const changed = ALARM_CATALOGUE.map((spec) => (spec.name === 'target5xx' ? { ...spec, evaluationPeriods: 2, period: Duration.minutes(10) } : spec));
    expect(renderAlarmTable(changed)).toContain('| `target5xx` | `HTTPCode_Target_5XX_Count` (sum) | ≥ 10 responses for 2 × 10 min |');
  });
});
