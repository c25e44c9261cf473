import { awscdk, javascript, JsonPatch, ReleasableCommits } from 'projen';

/**
 * How a release happens (CONTRIBUTING.md, "Releases"): every push to main that brings a `feat`
 * or `fix` commit (or a breaking change) since the last tag publishes a new version to every
 * registry, with its changelog generated from the conventional commits. While the major version
 * is 0 the package is marked experimental: a breaking change bumps the minor version, a feature
 * or a fix the patch version.
 */
export const RELEASE_OPTIONS: Partial<awscdk.AwsCdkConstructLibraryOptions> = {
  stability: 'experimental',
  majorVersion: 0,
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  // projen starts a major version line at x.0.0; the first release is 0.1.0 instead, so that
  // `^0.1.0` lets users take the fixes that follow. Later releases bump as the commits say.
  nextVersionCommand: '[ -n "$LATEST_TAG" ] || echo 0.1.0',
  // A scoped package is private unless published as public (provenance needs it too).
  npmAccess: javascript.NpmAccess.PUBLIC,
  // Short-lived credentials from GitHub's OIDC token instead of long-lived tokens: npm and PyPI
  // (and NuGet) trust this repository's release workflow. npm adds provenance statements.
  npmTrustedPublishing: true,
  npmProvenance: true,
};

/** Changes to projen's release workflow. */
export function configureRelease(project: awscdk.AwsCdkConstructLibrary): void {
  // npm publishes with an OIDC token from npm 11.5.1 on; Node.js 22 comes with npm 10, which
  // would publish without credentials. The job's first step sets up Node.js; upgrade npm after it.
  project.github?.tryFindWorkflow('release')?.file?.patch(
    JsonPatch.add('/jobs/release_npm/steps/1', {
      name: 'Use an npm that publishes with trusted publishing (11.5.1 or later)',
      run: 'npm install --global npm@^11.5.1 && npm --version',
    }),
  );
}
