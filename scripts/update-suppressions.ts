// Rewrites the README's list of cdk-nag suppressions from what the construct writes.
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { build, customised, defaults, organisational } from '../fixtures/scenarios';
import { collectSuppressions, renderSuppressions, SUPPRESSIONS_END, SUPPRESSIONS_START, writeSection } from './lib/suppressions';

const path = join(__dirname, '..', 'README.md');
const rows = collectSuppressions([build(defaults).stack, build(customised).stack, build(organisational).stack]);
writeFileSync(path, writeSection(readFileSync(path, 'utf8'), SUPPRESSIONS_START, SUPPRESSIONS_END, renderSuppressions(rows)));
console.log(`README.md: ${rows.length} cdk-nag suppressions listed`);
