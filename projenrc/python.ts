import { awscdk } from 'projen';

/** The README's Python examples and the Python package built without PyPI. */
export function addPythonTasks(project: awscdk.AwsCdkConstructLibrary): void {
  // jsii languages: every language's package is generated and checked as far as this machine
  // allows, the README's Python is rosetta's translation of its TypeScript, the integration test
  // snapshots are verified, and the API is compared with the last release.
  //
  // README Python examples: after compile (jsii puts README.md into .jsii), `docs:python` compiles
  // every TypeScript example of the README with jsii-rosetta in strict mode (a snippet that does not
  // compile fails the build), keeps the translations in .jsii.tabl.json (rosetta reuses them while
  // the snippet and the types it uses are unchanged), and writes each Python translation between
  // the `<!-- python:start -->` / `<!-- python:end -->` markers after its TypeScript example.
  // test/readme.test.ts fails when README.md and the translations disagree; CI's `git diff` fails
  // when the build changed README.md.
  project.addDevDeps('jsii-reflect@^1.140.0');
  project.gitignore.exclude('/.jsii.tabl.json');
  const docsPython = project.addTask('docs:python', {
    description: "Compile the README's TypeScript examples with jsii-rosetta --strict and write their Python translations into README.md",
  });
  docsPython.exec('jsii-rosetta extract --strict .');
  docsPython.exec('ts-node --transpile-only --project tsconfig.dev.json scripts/readme-python.ts');
  project.postCompileTask.spawn(docsPython);

  // Python without PyPI: projen's `package:python` (kept for the release workflow) needs pip to
  // install build tools from PyPI. This route generates the sources with jsii-pacmak, builds the
  // sdist and wheel with Debian's python3-build/-wheel/-setuptools and twine, byte-compiles the
  // sources, and inspects the result (scripts/check-python-package.py). It needs the .jsii and the
  // rosetta tablet from the build: every README example must have its Python translation.
  const pythonOffline = project.addTask('package:python:offline', {
    description: 'Build and check the Python sdist and wheel with Debian\'s Python tools, without PyPI (after compile)',
  });
  pythonOffline.exec('rm -rf dist/python-src dist/python');
  pythonOffline.exec('jsii-pacmak --target python --code-only --outdir dist/python-src --rosetta-unknown-snippets fail --no-npmignore');
  pythonOffline.exec('/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/python dist/python-src/python');
  pythonOffline.exec('/usr/bin/python3 -m compileall -q dist/python-src/python/src');
  pythonOffline.exec('twine check --strict dist/python/*');
  pythonOffline.exec('/usr/bin/python3 scripts/check-python-package.py .jsii dist/python-src/python dist/python');
}
