// Preloaded into every integration test app by integ.config.json.
//
// @aws-cdk/integ-runner 2.197.10, the latest release, reads cloud assemblies up to schema
// revision 53, while aws-cdk-lib 2.276.0 labels what it writes with revision 55 and integ-runner
// then refuses to read it. Revisions 54 and 55 only added two things, both to the integ manifest
// (integ.json): `TestCase.allowDeleteFailures` and the `requireApproval` value 'destructive'.
// The cloud assembly and asset manifest schemas are the same. So an assembly that uses neither
// addition is a valid revision-53 assembly, and this labels it as one; if an integ test ever uses
// one of them, synthesis fails here instead of producing a snapshot integ-runner misreads.
//
// Remove this file (and `-r ./test/integ-schema-compat.ts` in integ.config.json) once
// integ-runner reads the revision that aws-cdk-lib writes; the templates in the snapshots do not
// change, only the `version` fields of their manifests.
import * as path from 'path';

/** The newest cloud assembly schema revision integ-runner 2.197.10 reads. */
const INTEG_RUNNER_REVISION = 53;

// The very module instance that aws-cdk-lib writes its manifests with.
const schemaModule = require.resolve('@aws-cdk/cloud-assembly-schema', { paths: [path.dirname(require.resolve('aws-cdk-lib/package.json'))] });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Manifest } = require(schemaModule);

const writtenRevision = Number(String(Manifest.version()).split('.')[0]);
if (writtenRevision > INTEG_RUNNER_REVISION) {
  const saveIntegManifest = Manifest.saveIntegManifest.bind(Manifest);
  Manifest.saveIntegManifest = (manifest: any, filePath: string) => {
    const uses: string[] = [];
    for (const [name, testCase] of Object.entries<any>(manifest.testCases ?? {})) {
      if (testCase.allowDeleteFailures !== undefined) uses.push(`${name}: allowDeleteFailures`);
      for (const options of [testCase.cdkCommandOptions?.deploy?.args, testCase.cdkCommandOptions?.destroy?.args]) {
        if (options?.requireApproval === 'destructive') uses.push(`${name}: requireApproval 'destructive'`);
      }
    }
    if (uses.length > 0) {
      throw new Error(`integ-schema-compat: ${uses.join(', ')} needs cloud assembly schema revision ${writtenRevision}, `
        + `which integ-runner cannot read (it reads up to ${INTEG_RUNNER_REVISION})`);
    }
    saveIntegManifest(manifest, filePath);
  };
  Manifest.version = () => `${INTEG_RUNNER_REVISION}.0.0`;
}
