import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { BOOT_SRC_DIR, makeTempDir, renderedHelper, renderUserDataText, run, shellcheck } from './harness';

// shellcheck at --severity=style reports everything it finds by default (error, warning, info
// and style); any finding fails.
describe('shellcheck', () => {
  const scripts = fs.readdirSync(BOOT_SRC_DIR).filter((name) => name.endsWith('.sh'));
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('lint');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('finds the boot scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['panintelligence-boot.sh', 'user-data.sh']));
  });

  test.each(scripts)('src/boot/%s is clean', (name) => {
    expect(shellcheck(path.join(BOOT_SRC_DIR, name))).toBe('');
  });

  test.each([
    ['with a licence', true],
    ['without a licence', false],
  ])('the rendered user data is clean (%s)', (_, withLicence) => {
    const file = path.join(dir, `user-data-${withLicence}.sh`);
    fs.writeFileSync(file, renderUserDataText({ withLicence, bootBudget: Duration.minutes(10) }));
    expect(shellcheck(file)).toBe('');
  });

  test('the boot helper as rendered (comment lines removed) is clean', () => {
    const file = path.join(dir, 'panintelligence-boot');
    fs.writeFileSync(file, renderedHelper(renderUserDataText()));
    expect(shellcheck(file)).toBe('');
  });
});

describe('the env-file writer embedded in the helper', () => {
  // Ubuntu 20.04 has Python 3.8: newer syntax would fail on the instance only.
  test('is Python 3.8 syntax', () => {
    const script = fs.readFileSync(path.join(BOOT_SRC_DIR, 'panintelligence-boot.sh'), 'utf-8');
    const match = /<<'PY' \|\| true\n([\s\S]*?)\nPY\n/.exec(script);
    expect(match).not.toBeNull();
    const dir = makeTempDir('py');
    try {
      const file = path.join(dir, 'writer.py');
      fs.writeFileSync(file, match![1]);
      const check = 'import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 8))';
      const result = run('python3', ['-c', check, file], { PATH: process.env.PATH ?? '' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
