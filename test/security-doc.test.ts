import { readFileSync } from 'fs';
import { join } from 'path';
import { build, customised, defaults, organisational } from '../fixtures/scenarios';
import { collectSuppressions, readSection, renderSuppressions, SUPPRESSIONS_END, SUPPRESSIONS_START, SuppressionRow } from '../scripts/lib/suppressions';

describe('README security section', () => {
  let rows: SuppressionRow[];
  beforeAll(() => {
    rows = collectSuppressions([build(defaults).stack, build(customised).stack, build(organisational).stack]);
  });

  test('every suppression has a specific reason', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.reason.length).toBeGreaterThanOrEqual(40);
    }
  });

  test('lists exactly the suppressions the construct writes (run `npx projen docs:suppressions` to update)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readSection(readme, SUPPRESSIONS_START, SUPPRESSIONS_END)).toBe(renderSuppressions(rows));
  });
});
