import { awscdk } from 'projen';

/**
 * Python: the README's Python examples, the Python package built without the Python package
 * registry, and the Python tests that install that package and use it as a Python app would.
 */
export function addPythonTasks(project: awscdk.AwsCdkConstructLibrary): void {
  // README Python examples: after compile (jsii puts README.md into .jsii), `docs:python` compiles
  // every TypeScript example of the README with jsii-rosetta in strict mode (a snippet that does
  // not compile fails the build), keeps the translations in .jsii.tabl.json (rosetta reuses them
  // while the snippet and the types it uses are unchanged), and writes each Python translation
  // between the `<!-- python:start -->` / `<!-- python:end -->` markers after its TypeScript
  // example. test/readme.test.ts fails when README.md and the translations disagree; CI's
  // `git diff` fails when the build changed README.md.
  //
  // The assembly's copy of the README loses those Python sections first (scripts/readme-python.ts
  // --strip-assembly): jsii-pacmak translates every TypeScript example into each language's
  // package README itself, so the PyPI page (and Maven's, NuGet's, Go's) shows each example
  // once, in its own language.
  project.addDevDeps('jsii-reflect@^1.140.0', '@jsii/spec@^1.140.0');
  project.gitignore.exclude('/.jsii.tabl.json');
  const docsPython = project.addTask('docs:python', {
    description: "Compile the README's TypeScript examples with jsii-rosetta --strict and write their Python translations into README.md",
  });
  docsPython.exec('ts-node --transpile-only --project tsconfig.dev.json scripts/readme-python.ts --strip-assembly');
  docsPython.exec('jsii-rosetta extract --strict .');
  docsPython.exec('ts-node --transpile-only --project tsconfig.dev.json scripts/readme-python.ts');
  project.postCompileTask.spawn(docsPython);
  // A compile without post-compile (`npx projen example`, the README's first command) leaves no
  // tablet, or one older than the assembly: the tasks that read it write it first, so each
  // README task also runs on its own after that command.
  const tabletIsStale = '[ ! -f .jsii.tabl.json ] || [ .jsii -nt .jsii.tabl.json ]';
  project.testTask.prependSpawn(docsPython, { condition: tabletIsStale });

  // Python without PyPI: projen's `package:python` (kept for the release workflow) needs pip to
  // install build tools from PyPI. This route generates the sources with jsii-pacmak, builds the
  // sdist and wheel with Debian's python3-build/-wheel/-setuptools and twine, byte-compiles the
  // sources, and inspects the result (scripts/check-python-package.py). It needs the .jsii and the
  // rosetta tablet from the build: every README example must have its Python translation.
  const pythonOffline = project.addTask('package:python:offline', {
    description: 'Build and check the Python sdist and wheel with Debian\'s Python tools, without PyPI (after compile)',
  });
  pythonOffline.spawn(docsPython, { condition: tabletIsStale });
  pythonOffline.exec('rm -rf dist/python-src dist/python');
  pythonOffline.exec('jsii-pacmak --target python --code-only --outdir dist/python-src --rosetta-unknown-snippets fail --no-npmignore');
  pythonOffline.exec('/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/python dist/python-src/python');
  pythonOffline.exec('/usr/bin/python3 -m compileall -q dist/python-src/python/src');
  pythonOffline.exec('twine check --strict dist/python/*');
  pythonOffline.exec('/usr/bin/python3 scripts/check-python-package.py .jsii dist/python-src/python dist/python');

  // Python tests (test/python, pytest): a virtualenv with the Python packages of aws-cdk-lib and
  // the other jsii dependencies generated from node_modules (cached in .cache/python/ by
  // version), the jsii runtime (wheels found through PIP_FIND_LINKS, by default
  // ../shared/python-wheelhouse) and the wheel built above. See scripts/python-test.sh.
  // Part of `test`, after jest: it needs the compiled assembly and the README translations.
  const testPython = project.addTask('test:python', {
    description: 'Build the Python package and run the Python tests (test/python) against it in an offline virtualenv',
  });
  testPython.spawn(pythonOffline);
  testPython.exec('bash scripts/python-test.sh', { receiveArgs: true });
  project.testTask.spawn(testPython);

  // Python's byte code and pytest's cache never land in the tree; the virtualenv and the
  // generated packages live in the ignored .cache/.
  project.gitignore.exclude('__pycache__/', '/.cache/');
  project.npmignore?.exclude('/.cache/', '__pycache__/');
}
