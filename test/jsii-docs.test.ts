// Every public type and member, as users of every jsii language see it (through the compiled
// .jsii assembly, not the TypeScript source), carries documentation: a summary on each class,
// interface, enum, enum member, initializer, property, method and parameter, and a `@default`
// on each optional property of a struct. The docs in API.md and in the Python, Java, .NET and Go
// packages come from there.
import { existsSync } from 'fs';
import { join } from 'path';
import * as reflect from 'jsii-reflect';

const ROOT = join(__dirname, '..');
const ASSEMBLY = join(ROOT, '.jsii');

/** Documentation the assembly itself records for an element (never inherited from elsewhere). */
function own(element: reflect.Documentable): { summary?: string; default?: string } {
  return element.docs.docs ?? {};
}

function blank(text: string | undefined): boolean {
  return text === undefined || text.trim() === '';
}

interface Finding {
  readonly element: string;
  readonly missing: string;
}

/** Everything undocumented in the root assembly. */
function undocumented(assembly: reflect.Assembly): Finding[] {
  const findings: Finding[] = [];
  const summary = (element: reflect.Documentable, name: string) => {
    if (blank(own(element).summary)) findings.push({ element: name, missing: 'summary' });
  };
  const callable = (c: reflect.Callable, name: string) => {
    summary(c, name);
    for (const p of c.parameters) summary(p, `${name}(${p.name})`);
  };

  for (const type of assembly.allTypes) {
    summary(type, type.fqn);
    if (type.isEnumType()) {
      for (const m of type.members) summary(m, `${type.fqn}.${m.name}`);
      continue;
    }
    if (type.isClassType() && type.initializer) {
      callable(type.initializer, `${type.fqn}.constructor`);
    }
    if (type.isClassType() || type.isInterfaceType()) {
      for (const p of Object.values(type.ownProperties)) {
        const name = `${type.fqn}.${p.name}`;
        summary(p, name);
        if (type.isDataType() && p.optional && blank(own(p).default)) {
          findings.push({ element: name, missing: '@default' });
        }
      }
      for (const m of Object.values(type.ownMethods)) callable(m, `${type.fqn}.${m.name}`);
    }
  }
  return findings;
}

describe('the jsii assembly', () => {
  let system: reflect.TypeSystem;
  let assembly: reflect.Assembly;

  beforeAll(async () => {
    if (!existsSync(ASSEMBLY)) {
      throw new Error(`${ASSEMBLY} is missing: it is written by \`npx projen compile\`, which runs before the tests in \`npx projen build\``);
    }
    system = new reflect.TypeSystem();
    // aws-cdk-lib's assembly uses jsii features (intersection types) that a loader must opt into.
    assembly = await system.load(ROOT, { validate: false, supportedFeatures: [...reflect.JSII_REFLECT_SUPPORTED_ASSEMBLY_FEATURES] });
  });

  test('is this package, and exports the construct and its props', () => {
    expect(assembly.name).toBe('@panintelligence/cdk-dashboard');
    expect(assembly.tryFindType('@panintelligence/cdk-dashboard.PanintelligenceDashboard')?.isClassType()).toBe(true);
    const props = assembly.tryFindType('@panintelligence/cdk-dashboard.PanintelligenceDashboardProps');
    expect(props?.isInterfaceType() && props.isDataType()).toBe(true);
  });

  test('documents every public type and member (summary), and every optional struct property (@default)', () => {
    expect(undocumented(assembly).map((f) => `${f.element}: no ${f.missing}`)).toEqual([]);
  });

  test('carries the Python, Java, .NET and Go package names', () => {
    expect(assembly.targets).toEqual(expect.objectContaining({
      python: { distName: 'panintelligence-cdk-dashboard', module: 'panintelligence_cdk_dashboard' },
      java: expect.objectContaining({ package: 'com.panintelligence.cdk.dashboard' }),
      dotnet: expect.objectContaining({ namespace: 'Panintelligence.Cdk.Dashboard' }),
      go: expect.objectContaining({ moduleName: 'github.com/panintelligence/cdk-dashboard-go' }),
    }));
  });
});

describe('the documentation check itself', () => {
  test('reports a missing summary, parameter doc and @default', async () => {
    const system = new reflect.TypeSystem();
    const assembly = system.addAssembly(new reflect.Assembly(system, {
      schema: 'jsii/0.10.0' as any,
      name: 'fixture',
      version: '0.0.0',
      license: 'Apache-2.0',
      description: 'fixture',
      homepage: 'https://example.com',
      repository: { type: 'git', url: 'https://example.com' },
      author: { name: 'fixture', roles: ['author'] },
      fingerprint: 'fixture',
      jsiiVersion: '0.0.0',
      types: {
        'fixture.Props': {
          kind: 'interface' as any,
          fqn: 'fixture.Props',
          assembly: 'fixture',
          name: 'Props',
          datatype: true,
          docs: { summary: 'Props.' },
          properties: [
            { name: 'documented', type: { primitive: 'string' as any }, optional: true, immutable: true, docs: { summary: 'Yes.', default: '- none' } },
            { name: 'noDefault', type: { primitive: 'string' as any }, optional: true, immutable: true, docs: { summary: 'No default.' } },
          ],
        },
        'fixture.Thing': {
          kind: 'class' as any,
          fqn: 'fixture.Thing',
          assembly: 'fixture',
          name: 'Thing',
          initializer: { parameters: [{ name: 'id', type: { primitive: 'string' as any } }] },
          methods: [{ name: 'run', docs: { summary: 'Runs.' }, parameters: [{ name: 'times', type: { primitive: 'number' as any } }] }],
        },
      },
    } as any));
    expect(undocumented(assembly).map((f) => `${f.element}: no ${f.missing}`).sort()).toEqual([
      'fixture.Props.noDefault: no @default',
      'fixture.Thing.constructor(id): no summary',
      'fixture.Thing.constructor: no summary',
      'fixture.Thing.run(times): no summary',
      'fixture.Thing: no summary',
    ]);
  });
});
