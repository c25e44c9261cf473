// The README's Python examples are not written by hand: each one is jsii-rosetta's translation of
// the TypeScript example just above it. The build compiles the library (jsii copies README.md
// into the .jsii assembly), runs `jsii-rosetta extract --strict` (every TypeScript example must
// compile, and the translations land in the assembly's tablet, .jsii.tabl.json), then this script
// writes each Python translation between the `<!-- python:start -->` / `<!-- python:end -->`
// markers that follow its TypeScript example. Markers missing after an example are added.
//
//   ts-node --transpile-only scripts/readme-python.ts           rewrite README.md
//   ts-node --transpile-only scripts/readme-python.ts --check   only report differences
//   ts-node --transpile-only scripts/readme-python.ts --strip-assembly
//                                     drop the Python sections from the assembly's copy of the README
//
// The assembly's README is what jsii-pacmak renders for every other language, translating each
// TypeScript example itself; without the hand-kept Python sections each example shows once there.
//
// test/readme.test.ts uses the same functions to fail when README.md and the tablet disagree.
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { loadAssemblyFromFile, replaceAssembly } from '@jsii/spec';
import { LanguageTablet, TargetLanguage, TranslatedSnippet, typeScriptSnippetFromSource } from 'jsii-rosetta';

export const PYTHON_START = '<!-- python:start -->';
export const PYTHON_END = '<!-- python:end -->';

const ROOT = join(__dirname, '..');
export const README_PATH = join(ROOT, 'README.md');
export const TABLET_PATH = join(ROOT, '.jsii.tabl.json');
export const ASSEMBLY_PATH = join(ROOT, '.jsii');

/** A TypeScript example of the README and the Python section that follows it. */
export interface ReadmeExample {
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's info string after the language (rosetta parameters such as `fixture=...`). */
  readonly parameters: string[];
  /** The code between the fences, as CommonMark gives it (with its final newline). */
  readonly source: string;
  /** 0-based index of the line after the closing fence. */
  readonly after: number;
  /** 0-based indexes of the marker lines, when the example has its Python section. */
  readonly python?: { readonly start: number; readonly end: number };
}

/** Rosetta reads fenced blocks whose language is `ts` or `typescript`. */
function isTypeScript(language: string): boolean {
  return language === 'ts' || language === 'typescript';
}

/** The README's TypeScript examples, in order. */
export function findExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() === PYTHON_START) {
        throw new Error(`README.md:${i + 1}: ${PYTHON_START} does not follow a TypeScript example`);
      }
      i++;
      continue;
    }
    const [, indent, fence, info] = open;
    let close = i + 1;
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    while (close < lines.length && !closing.test(lines[close])) {
      close++;
    }
    if (close >= lines.length) {
      throw new Error(`README.md:${i + 1}: code block is not closed`);
    }
    const [language = '', ...parameters] = info.trim().split(/\s+/);
    const next = close + 1;
    if (isTypeScript(language)) {
      const body = lines.slice(i + 1, close).map((l) => stripIndent(l, indent.length));
      const source = body.length > 0 ? body.join('\n') + '\n' : '';
      const python = pythonSection(lines, next);
      examples.push({ line: i + 1, parameters, source, after: next, python });
      i = python ? python.end + 1 : next;
    } else {
      i = next;
    }
  }
  return examples;
}

function stripIndent(line: string, width: number): string {
  let n = 0;
  while (n < width && line[n] === ' ') {
    n++;
  }
  return line.slice(n);
}

/** The marker lines of the Python section starting at the first non-blank line from `from`. */
function pythonSection(lines: string[], from: number): { start: number; end: number } | undefined {
  let start = from;
  while (start < lines.length && lines[start].trim() === '') {
    start++;
  }
  if (lines[start]?.trim() !== PYTHON_START) {
    return undefined;
  }
  for (let end = start + 1; end < lines.length; end++) {
    const text = lines[end].trim();
    if (text === PYTHON_END) {
      return { start, end };
    }
    if (text === PYTHON_START) {
      break;
    }
  }
  throw new Error(`README.md:${start + 1}: ${PYTHON_START} has no matching ${PYTHON_END}`);
}

/** What goes between the markers for a translation. */
export function renderPython(source: string): string[] {
  return ['```python', ...source.replace(/\s+$/, '').split('\n'), '```'];
}

/** The fully qualified name of the module whose readme the assembly carries. */
export function assemblyName(assemblyPath: string = ASSEMBLY_PATH): string {
  return JSON.parse(readFileSync(assemblyPath, 'utf8')).name;
}

/**
 * The tablet written by `jsii-rosetta extract` (plain JSON: the build does not compress it).
 * Read here rather than with `LanguageTablet.fromFile`, whose streaming loader needs dynamic
 * `import()`, which jest does not provide.
 */
export function loadTablet(tabletPath: string = TABLET_PATH): LanguageTablet {
  const schema = JSON.parse(readFileSync(tabletPath, 'utf8'));
  const tablet = new LanguageTablet();
  tablet.addSnippets(...Object.values(schema.snippets ?? {}).map((s: any) => TranslatedSnippet.fromSchema(s)));
  return tablet;
}

/** Rosetta's Python translation of each example, or an explanation of why there is none. */
export function translations(markdown: string, tabletPath: string = TABLET_PATH, moduleFqn: string = assemblyName())
  : Array<{ example: ReadmeExample; python?: string; problem?: string }> {
  if (!existsSync(tabletPath)) {
    throw new Error(`${tabletPath} is missing: run \`npx projen compile && npx projen docs:python\` first`);
  }
  const tablet = loadTablet(tabletPath);
  return findExamples(markdown).map((example) => {
    const snippet = typeScriptSnippetFromSource(example.source,
      { api: { api: 'moduleReadme', moduleFqn }, field: { field: 'markdown', line: example.line } },
      true, Object.fromEntries(example.parameters.map((p) => {
        const eq = p.indexOf('=');
        return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      })));
    const translated = tablet.lookupBySource(snippet);
    if (!translated) {
      return { example, problem: 'has no translation in the tablet: rebuild (`npx projen compile && npx projen docs:python`)' };
    }
    if (!translated.snippet.didCompile) {
      return { example, problem: 'did not compile' };
    }
    const python = translated.get(TargetLanguage.PYTHON);
    if (!python) {
      return { example, problem: 'has no Python translation' };
    }
    return { example, python: python.source };
  });
}

/** README.md with every Python section set to its translation. */
export function updatedReadme(markdown: string, tabletPath?: string, moduleFqn?: string): string {
  const results = translations(markdown, tabletPath, moduleFqn);
  const problems = results.filter((r) => r.problem !== undefined);
  if (problems.length > 0) {
    throw new Error(problems.map((p) => `README.md:${p.example.line}: the TypeScript example ${p.problem}`).join('\n'));
  }
  const lines = markdown.split('\n');
  // From the last example up, so earlier line numbers stay valid.
  for (const { example, python } of results.reverse()) {
    const body = [PYTHON_START, ...renderPython(python!), PYTHON_END];
    if (example.python) {
      lines.splice(example.python.start, example.python.end - example.python.start + 1, ...body);
    } else {
      lines.splice(example.after, 0, '', ...body);
    }
  }
  return lines.join('\n');
}

/** Markdown without its Python sections (and the blank line before each). */
export function withoutPython(markdown: string): string {
  const lines = markdown.split('\n');
  for (const { python } of findExamples(markdown).reverse()) {
    if (python) {
      let start = python.start;
      while (start > 0 && lines[start - 1].trim() === '') {
        start--;
      }
      lines.splice(start, python.end - start + 1);
    }
  }
  return lines.join('\n');
}

/** Removes the Python sections from the README inside the assembly; true when it changed. */
export function stripAssemblyReadme(directory: string = ROOT): boolean {
  const assembly = loadAssemblyFromFile(join(directory, '.jsii'), false);
  const markdown = assembly.readme?.markdown;
  if (markdown === undefined || withoutPython(markdown) === markdown) {
    return false;
  }
  replaceAssembly({ ...assembly, readme: { markdown: withoutPython(markdown) } }, directory);
  return true;
}

function main(args: string[]): void {
  if (args.includes('--strip-assembly')) {
    console.log(stripAssemblyReadme()
      ? '.jsii: removed the Python sections from the README (each language\'s package translates the TypeScript examples)'
      : '.jsii: the README has no Python sections');
    return;
  }
  const check = args.includes('--check');
  const markdown = readFileSync(README_PATH, 'utf8');
  const updated = updatedReadme(markdown);
  const count = findExamples(updated).length;
  if (updated === markdown) {
    console.log(`README.md: the Python of ${count} examples matches rosetta's translations`);
  } else if (check) {
    console.error('README.md: the Python examples differ from rosetta\'s translations; run `npx projen docs:python`');
    process.exitCode = 1;
  } else {
    writeFileSync(README_PATH, updated);
    console.log(`README.md: wrote the Python of ${count} examples from rosetta's translations`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
