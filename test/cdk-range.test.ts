// The range tasks (test:cdk-floor, test:cdk-latest) leave out the jest suites that never load
// aws-cdk-lib, because those behave the same at every version. That holds only while they do not
// load it: this test follows each listed suite's imports through the repository and fails when one
// of them reaches aws-cdk-lib or constructs.
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import { cdkAtLeast } from './cdk-range';
import { RANGE_SKIPPED_SUITES } from '../projenrc/cdk-range';

const ROOT = join(__dirname, '..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const CDK_PACKAGE = /^(aws-cdk-lib|constructs|cdk-nag|cdk-nag-v2|@aws-cdk\/)(\/|$)/;

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')]
    .find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/** The first import of an aws-cdk-lib package reached from `file`, as "file imports package". */
function cdkImportReachedFrom(file: string): string | undefined {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    const current = todo.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const match of readFileSync(current, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3] ?? match[4];
      if (spec.startsWith('.')) {
        const local = resolveLocal(current, spec);
        if (local && /\.[jt]s$/.test(local)) todo.push(local);
      } else if (CDK_PACKAGE.test(spec)) {
        return `${relative(ROOT, current)} imports ${spec}`;
      }
    }
  }
  return undefined;
}

/** The suites under a listed path (a file, or a folder ending in `/`). */
function suitesOf(path: string): string[] {
  if (!path.endsWith('/')) return [join(ROOT, path)];
  return readdirSync(join(ROOT, path), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join(ROOT, path, name));
}

describe('the suites the range tasks leave out', () => {
  test.each(RANGE_SKIPPED_SUITES.map((suite) => suite.path))('%s never loads aws-cdk-lib', (path) => {
    const suites = suitesOf(path);
    expect(suites.length).toBeGreaterThan(0);
    for (const suite of suites) {
      expect(existsSync(suite)).toBe(true);
      expect([relative(ROOT, suite), cdkImportReachedFrom(suite)]).toEqual([relative(ROOT, suite), undefined]);
    }
  });

  test('the check sees an import of aws-cdk-lib through local files', () => {
    expect(cdkImportReachedFrom(join(ROOT, 'test/nag.test.ts'))).toBe('test/nag.test.ts imports aws-cdk-lib');
    // fixtures/ -> src/ -> aws-cdk-lib
    expect(cdkImportReachedFrom(join(ROOT, 'test/security-doc.test.ts'))).toMatch(/ imports (aws-cdk-lib|constructs)/);
  });
});

describe('the versions the tests compare with', () => {
  test('cdkAtLeast orders versions numerically', () => {
    expect(cdkAtLeast('2.0.0')).toBe(true);
    expect(cdkAtLeast('3.0.0')).toBe(false);
    expect(cdkAtLeast('2.99999.0')).toBe(false);
  });
});
