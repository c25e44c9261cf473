import { Aws, Fn, Names } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * A physical name for a resource whose name CloudFormation requires: the construct path (with
 * its hash, at most `maxLength` characters), then the random last 12 digits of the stack's unique
 * id, so it differs between dashboards, stacks and successive deployments of one stack, and never
 * meets a resource that a deleted stack left behind. Letters, digits and '-' only.
 */
export function stackUniqueName(scope: Construct, id: string, maxLength: number): string {
  const stackGuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  const stackGuidTail = Fn.select(4, Fn.split('-', stackGuid));
  return `${Names.uniqueResourceName(new Construct(scope, `${id}Name`), { maxLength, separator: '-' })}-${stackGuidTail}`;
}
