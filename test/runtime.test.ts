// The runtime of the library's functions follows aws-cdk-lib: the newest Node.js runtime it
// lists (the list cdk-nag's AwsSolutions-L1 compares with), never older than the bundles' target.
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_NODE_RUNTIME } from './cdk-range';
import { synth } from './util';
import { HANDLER_NODE_MAJOR, newestNodeRuntime } from '../src/private/runtime';

/** The runtimes of the template's functions whose logical id matches `pattern`. */
function runtimesOf(template: Template, pattern: RegExp): string[] {
  return Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([id]) => pattern.test(id))
    .map(([, fn]) => (fn as any).Properties.Runtime);
}

test('the library\'s functions of a default dashboard run on the newest Node.js runtime aws-cdk-lib lists', () => {
  const { template } = synth(() => ({}));
  const ours = runtimesOf(template, /FileSyncFunction|ProvisioningFunction|FleetCheck|PreUpgradeBackup(Start|Wait)Function/);
  expect(ours).toHaveLength(5);
  expect(new Set(ours)).toEqual(new Set([DEFAULT_NODE_RUNTIME]));
});

test('a runtime aws-cdk-lib learns later is picked up; older and other families are not', () => {
  expect(newestNodeRuntime().name).toBe(DEFAULT_NODE_RUNTIME);
  // Creating a runtime adds it to lambda.Runtime.ALL, as a newer aws-cdk-lib's list would have it.
  new lambda.Runtime('python9.9', lambda.RuntimeFamily.PYTHON);
  new lambda.Runtime('nodejs18.x', lambda.RuntimeFamily.NODEJS);
  expect(newestNodeRuntime().name).toBe(DEFAULT_NODE_RUNTIME);
  new lambda.Runtime('nodejs98.x', lambda.RuntimeFamily.NODEJS);
  expect(newestNodeRuntime().name).toBe('nodejs98.x');
  expect(HANDLER_NODE_MAJOR).toBe(24);
});
