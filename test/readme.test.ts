// The README's Python examples must be jsii-rosetta's translations of its TypeScript examples,
// as produced by the strict extraction of the build (`docs:python`, after compile).
import { existsSync, readFileSync } from 'fs';
import { findExamples, README_PATH, renderPython, TABLET_PATH, translations, updatedReadme, withoutPython as stripPython } from '../scripts/readme-python';

const missing = existsSync(TABLET_PATH) ? undefined
  : `${TABLET_PATH} is missing: it is written by \`npx projen docs:python\`, which the build runs after compile`;

describe('README examples', () => {
  const markdown = readFileSync(README_PATH, 'utf8');

  test('the README has TypeScript examples, each followed by a Python section', () => {
    const examples = findExamples(markdown);
    expect(examples.length).toBeGreaterThan(0);
    const withoutPython = examples.filter((e) => !e.python).map((e) => `README.md:${e.line}`);
    expect(withoutPython).toEqual([]);
  });

  test('every TypeScript example compiled under jsii-rosetta --strict and was translated', () => {
    if (missing) throw new Error(missing);
    const problems = translations(markdown)
      .filter((t) => t.problem !== undefined)
      .map((t) => `README.md:${t.example.line}: ${t.problem}`);
    expect(problems).toEqual([]);
  });

  test('every Python section is exactly rosetta\'s translation of the example above it', () => {
    if (missing) throw new Error(missing);
    const lines = markdown.split('\n');
    for (const { example, python } of translations(markdown)) {
      const section = example.python!;
      const written = lines.slice(section.start + 1, section.end).join('\n');
      // A failure here means README.md was edited by hand or not regenerated: run `npx projen docs:python`.
      expect({ line: example.line, python: written }).toEqual({ line: example.line, python: renderPython(python!).join('\n') });
    }
  });
});

describe('the README check itself', () => {
  const markdown = readFileSync(README_PATH, 'utf8');

  test('a hand-edited Python section is put back to the translation', () => {
    if (missing) throw new Error(missing);
    const section = findExamples(markdown)[0].python!;
    const lines = markdown.split('\n');
    lines.splice(section.start + 1, section.end - section.start - 1, '```python', 'print("written by hand")', '```');
    const tampered = lines.join('\n');
    expect(tampered).not.toEqual(markdown);
    expect(updatedReadme(tampered)).toEqual(updatedReadme(markdown));
  });

  test('a TypeScript example without a translation is reported, not skipped', () => {
    if (missing) throw new Error(missing);
    const example = findExamples(markdown)[0];
    const lines = markdown.split('\n');
    lines.splice(example.line, 0, '// a line rosetta has not seen');
    const problems = translations(lines.join('\n')).filter((t) => t.problem !== undefined);
    expect(problems.map((p) => p.example.line)).toEqual([example.line]);
    expect(() => updatedReadme(lines.join('\n'))).toThrow(/has no translation/);
  });

  test('markers are added after an example that has none', () => {
    if (missing) throw new Error(missing);
    const section = findExamples(markdown)[0].python!;
    const lines = markdown.split('\n');
    lines.splice(section.start, section.end - section.start + 1);
    const updated = updatedReadme(lines.join('\n'));
    expect(findExamples(updated).every((e) => e.python !== undefined)).toBe(true);
    expect(updatedReadme(updated)).toEqual(updated);
  });
});

describe('the assembly\'s copy of the README', () => {
  const markdown = readFileSync(README_PATH, 'utf8');

  test('loses every Python section and nothing else, so each package README shows an example once', () => {
    const stripped = stripPython(markdown);
    expect(stripped).not.toContain('<!-- python:');
    expect(stripped).not.toContain('```python');
    expect(findExamples(stripped).map((e) => e.source)).toEqual(findExamples(markdown).map((e) => e.source));
    const prose = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('`'));
    expect(prose(stripped).length).toBeGreaterThan(100);
    expect(stripPython(stripped)).toEqual(stripped);
  });
});
