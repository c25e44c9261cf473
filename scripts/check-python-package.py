#!/usr/bin/env python3
"""Inspect the Python package that jsii-pacmak generated and Debian's `build` packed.

    check-python-package.py <assembly (.jsii)> <generated sources (dist/python-src/python)> <dist dir (dist/python)>

Importing the package needs the `jsii` runtime, which only PyPI has, so this checks what can be
checked without it, with the standard library only:

- one wheel and one sdist, with the distribution name `panintelligence-cdk-dashboard`, the
  version of package.json and the module `panintelligence_cdk_dashboard`;
- the wheel's metadata: its dependencies, and a README whose examples are all Python (rosetta
  translated every TypeScript example);
- the JavaScript package embedded in the wheel (what the Python module actually runs): the
  compiled library, the boot scripts and every bundled Lambda handler are there, and nothing
  that is not meant to ship;
- the generated module's API, read with `ast`: a class for every type of the jsii assembly, a
  property for every public member, and a keyword argument for every prop, in Python naming.
"""
import ast
import email
import io
import json
import keyword
import re
import sys
import tarfile
import zipfile
from pathlib import Path

DIST_NAME = 'panintelligence-cdk-dashboard'
MODULE = 'panintelligence_cdk_dashboard'

problems = []


def problem(message):
    problems.append(message)


def snake(name):
    """jsii's Python name of a camelCase member or parameter (keywords get a trailing _)."""
    name = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    name = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name).lower()
    return name + '_' if keyword.iskeyword(name) else name


def python_name(member):
    """Constants keep their name (HOURS_PER_MONTH); other members are snake_case."""
    return member['name'] if member.get('const') else snake(member['name'])


def normalized(name):
    return re.sub(r'[-_.]+', '_', name).lower()


def check_distributions(dist_dir, version):
    wheels = sorted(dist_dir.glob('*.whl'))
    sdists = sorted(dist_dir.glob('*.tar.gz'))
    if len(wheels) != 1 or len(sdists) != 1:
        problem(f'expected one wheel and one sdist in {dist_dir}, found {[p.name for p in wheels + sdists]}')
        return None, None
    wheel, sdist = wheels[0], sdists[0]
    if not wheel.name.startswith(f'{MODULE}-{version}-') or not wheel.name.endswith('-py3-none-any.whl'):
        problem(f'wheel file name {wheel.name} is not {MODULE}-{version}-py3-none-any.whl')
    if normalized(sdist.name[:-len('.tar.gz')]) != normalized(f'{DIST_NAME}-{version}'):
        problem(f'sdist file name {sdist.name} is not {DIST_NAME}-{version}.tar.gz')
    return wheel, sdist


def check_metadata(wheel, version, cdk_version):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata_files = [n for n in names if n.endswith('.dist-info/METADATA')]
        if len(metadata_files) != 1:
            problem(f'{wheel.name}: expected one METADATA, found {metadata_files}')
            return names, None
        meta = email.message_from_bytes(zf.read(metadata_files[0]))
        top_level = [n for n in names if n.endswith('.dist-info/top_level.txt')]
        if top_level:
            packages = zf.read(top_level[0]).decode().split()
            if packages != [MODULE]:
                problem(f'{wheel.name}: top-level packages {packages}, expected [{MODULE!r}]')
    if meta['Name'] != DIST_NAME:
        problem(f'METADATA Name is {meta["Name"]!r}, expected {DIST_NAME!r}')
    if meta['Version'] != version:
        problem(f'METADATA Version is {meta["Version"]!r}, expected {version!r} (package.json)')
    if meta['License'] != 'Apache-2.0':
        problem(f'METADATA License is {meta["License"]!r}, expected Apache-2.0')
    requires = {re.split(r'[<>=!~ ;(]', r, 1)[0].lower(): r for r in meta.get_all('Requires-Dist') or []}
    for dependency in ('jsii', 'aws-cdk-lib', 'constructs', 'publication'):
        if dependency not in requires:
            problem(f'METADATA does not require {dependency} (Requires-Dist: {sorted(requires.values())})')
    if 'aws-cdk-lib' in requires and f'>={cdk_version}' not in requires['aws-cdk-lib'].replace(' ', ''):
        problem(f'METADATA requires {requires["aws-cdk-lib"]!r}, expected aws-cdk-lib>={cdk_version}')
    if not meta['Requires-Python']:
        problem('METADATA has no Requires-Python')
    readme = meta.get_payload()
    if meta['Description-Content-Type'] != 'text/markdown':
        problem(f'METADATA Description-Content-Type is {meta["Description-Content-Type"]!r}, expected text/markdown')
    fences = re.findall(r'^```\s*([A-Za-z0-9_+-]*)', readme, re.MULTILINE)
    if 'python' not in fences:
        problem('the README in METADATA has no Python example')
    untranslated = [f for f in fences if f in ('ts', 'typescript', 'js', 'javascript')]
    if untranslated:
        problem(f'the README in METADATA still has {len(untranslated)} TypeScript/JavaScript examples')
    return names, meta


def check_embedded_js(wheel, names, version, assets):
    """The npm package inside the wheel: the jsii runtime loads and runs it."""
    tarball = f'{MODULE}/_jsii/cdk-dashboard@{version}.jsii.tgz'
    for required in (f'{MODULE}/__init__.py', f'{MODULE}/_jsii/__init__.py', f'{MODULE}/py.typed', tarball):
        if required not in names:
            problem(f'{wheel.name} has no {required}')
    if tarball not in names:
        return
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read(tarball)
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tf:
        files = [m.name[len('package/'):] for m in tf.getmembers() if m.isfile()]
    for required in ('.jsii', 'package.json', 'lib/index.js', 'LICENSE', 'README.md'):
        if required not in files:
            problem(f'the embedded JavaScript package has no {required}')
    if not any(re.fullmatch(r'lib/private/boot/[^/]+\.sh', f) for f in files):
        problem('the embedded JavaScript package has no boot script (lib/private/boot/*.sh)')
    for bundle in assets:
        if bundle not in files:
            problem(f'the embedded JavaScript package has no {bundle}')
    unwanted = re.compile(r'^(src|test|scripts|examples|bench|bench-results|rosetta|projenrc|coverage|dist|\.ci|\.tools)/'
                          r'|\.test\.|^\.projenrc\.ts$|^tsconfig|^lib/.*(?<!\.d)\.ts$')
    shipped = sorted(f for f in files if unwanted.search(f))
    if shipped:
        problem(f'the embedded JavaScript package ships {len(shipped)} files it should not, e.g. {shipped[:5]}')


def kwonly(func):
    return [a.arg for a in func.args.kwonlyargs]


def compare_kwargs(what, init, expected):
    actual = set(kwonly(init)) if init else set()
    missing, extra = sorted(set(expected) - actual), sorted(actual - set(expected))
    if init is None:
        problem(f'{what}: no __init__')
    elif missing or extra:
        problem(f'{what}: __init__ keyword arguments missing {missing}, unexpected {extra}')


def all_properties(assembly, spec):
    """A struct's properties with those of the structs it extends (Python flattens them)."""
    props = []
    for base in spec.get('interfaces', []):
        if base in assembly['types']:
            props += all_properties(assembly, assembly['types'][base])
    return props + spec.get('properties', [])


def check_api(assembly, module_file):
    tree = ast.parse(module_file.read_text(), filename=str(module_file))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    structs = {}
    for fqn, spec in assembly['types'].items():
        name = spec['name']
        if spec.get('namespace'):
            problem(f'{fqn}: nested types are not checked here; extend this script')
            continue
        node = classes.get(name)
        if node is None:
            problem(f'{fqn}: no class {name} in {module_file.name}')
            continue
        members = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
        if spec['kind'] == 'enum':
            values = {t.id for n in node.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
            for member in spec.get('members', []):
                if member['name'] not in values:
                    problem(f'{fqn}.{member["name"]}: no enum member in Python')
            continue
        for prop in spec.get('properties', []):
            if python_name(prop) not in members:
                problem(f'{fqn}.{prop["name"]}: no Python property {python_name(prop)}')
        for method in spec.get('methods', []):
            if python_name(method) not in members:
                problem(f'{fqn}.{method["name"]}(): no Python method {python_name(method)}')
        if spec['kind'] == 'interface' and spec.get('datatype'):
            structs[fqn] = spec
            expected = [snake(p['name']) for p in all_properties(assembly, spec)]
            compare_kwargs(fqn, members.get('__init__'), expected)
    # A construct's props are keyword arguments of the construct itself.
    for fqn, spec in assembly['types'].items():
        params = (spec.get('initializer') or {}).get('parameters', [])
        if spec['kind'] != 'class' or not params or spec['name'] not in classes:
            continue
        last = params[-1]
        struct = structs.get(last['type'].get('fqn', '')) if isinstance(last.get('type'), dict) else None
        if struct is None:
            continue
        init = next((n for n in classes[spec['name']].body if isinstance(n, ast.FunctionDef) and n.name == '__init__'), None)
        compare_kwargs(f'{fqn} (props as keyword arguments)', init, [snake(p['name']) for p in all_properties(assembly, struct)])
        positional = [a.arg for a in init.args.args][1:] if init else []
        if positional != [snake(p['name']) for p in params[:-1]]:
            problem(f'{fqn}: __init__ positional arguments {positional}, expected {[p["name"] for p in params[:-1]]}')


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    assembly_file, source_dir, dist_dir = Path(argv[1]), Path(argv[2]), Path(argv[3])
    root = assembly_file.resolve().parent
    assembly = json.loads(assembly_file.read_text())
    package = json.loads((root / 'package.json').read_text())
    version = package['version']
    cdk_version = package['peerDependencies']['aws-cdk-lib'].lstrip('^~>=')
    assets = sorted(str(p.relative_to(root)) for p in (root / 'assets').rglob('index.js'))
    if not assets:
        problem('assets/ has no bundled handler: run `npx projen bundle` (pre-compile) first')

    python_target = assembly.get('targets', {}).get('python', {})
    if python_target != {'distName': DIST_NAME, 'module': MODULE}:
        problem(f'the assembly\'s Python target is {python_target}, expected distName {DIST_NAME} and module {MODULE}')
    module_file = source_dir / 'src' / MODULE / '__init__.py'
    if not module_file.is_file():
        problem(f'{module_file} was not generated')
    else:
        check_api(assembly, module_file)

    wheel, sdist = check_distributions(dist_dir, version)
    if wheel:
        names, _ = check_metadata(wheel, version, cdk_version)
        check_embedded_js(wheel, names, version, assets)
    if sdist:
        with tarfile.open(sdist) as tf:
            files = {'/'.join(m.name.split('/')[1:]) for m in tf.getmembers() if m.isfile()}
        for required in ('setup.py', 'pyproject.toml', 'README.md', 'LICENSE', f'src/{MODULE}/__init__.py'):
            if required not in files:
                problem(f'{sdist.name} has no {required}')

    if problems:
        print(f'Python package: {len(problems)} problems', file=sys.stderr)
        for p in problems:
            print(f'  - {p}', file=sys.stderr)
        return 1
    print(f'Python package OK: {wheel.name} and {sdist.name} ({DIST_NAME}, module {MODULE}); '
          f'{len(assembly["types"])} types, {len(assets)} bundled handlers in the embedded JavaScript package')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
