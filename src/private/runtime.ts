import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The Node.js major version the library's Lambda bundles are built for (projenrc/bundles.ts):
 * the oldest runtime its functions may use.
 */
export const HANDLER_NODE_MAJOR = 24;

/** The major version of a Node.js runtime (`nodejs24.x` is 24); undefined for other families. */
export function nodeMajorOf(runtime: lambda.Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return runtime.family === lambda.RuntimeFamily.NODEJS && match ? Number(match[1]) : undefined;
}

/**
 * The runtime of the library's own functions: the newest Node.js runtime that the installed
 * aws-cdk-lib knows (`lambda.Runtime.ALL`, the list cdk-nag's `AwsSolutions-L1` compares with),
 * and never older than the bundles' target.
 *
 * The runtime follows aws-cdk-lib rather than being pinned, so the functions never drift towards
 * a deprecated runtime and stay cdk-nag clean whatever aws-cdk-lib an app uses. The price: an
 * app that upgrades aws-cdk-lib to a release that knows a newer Node.js sees its functions'
 * `Runtime` change, an in-place update of each function (no replacement; nothing is lost).
 * The bundles need no newer syntax than their target, so they run on every later runtime.
 *
 * aws-cdk-lib releases older than `Runtime.NODEJS_24_X` get the same runtime by name.
 */
export function newestNodeRuntime(): lambda.Runtime {
  let newest: lambda.Runtime | undefined;
  for (const runtime of lambda.Runtime.ALL) {
    // `NODEJS_LATEST` is a variable alias of a named runtime, listed before it.
    if (runtime.isVariable) {
      continue;
    }
    const major = nodeMajorOf(runtime);
    if (major !== undefined && major >= HANDLER_NODE_MAJOR && major > (newest ? nodeMajorOf(newest)! : 0)) {
      newest = runtime;
    }
  }
  return newest ?? new lambda.Runtime(`nodejs${HANDLER_NODE_MAJOR}.x`, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
}
