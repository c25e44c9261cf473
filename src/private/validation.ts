import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Props the library refuses. Every violated rule is listed, each naming its prop, so a user fixes
 * them all in one round. Internal: jsii does not export Error subclasses; users match the message.
 */
export class ValidationError extends Error {
  /** One sentence per violated rule, each starting with the prop it is about. */
  public readonly violations: string[];

  /**
   * @param owner who refuses the props, e.g. `PanintelligenceDashboard Stack/Dashboard`
   * @param violations one sentence per violated rule
   */
  constructor(owner: string, violations: string[]) {
    super(violations.length === 1
      ? `${owner}: ${violations[0]}`
      : `${owner}: ${violations.length} invalid props:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    this.name = 'ValidationError';
    this.violations = violations;
  }
}

/** The library itself is inconsistent (a packaged file, a construct tree), not the user's input. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** One prop rule: when `violated` holds, `message` explains it. */
export interface Rule<P> {
  /** The prop the rule is about (dotted for nested props); `message` starts with it. */
  readonly prop: string;
  /** Whether `props` break the rule. Values that are unresolved tokens never do. */
  readonly violated: (props: P) => boolean;
  /** What is wrong and what is allowed. */
  readonly message: (props: P) => string;
}

/** `kind path`, the way every validation error names the construct. */
export function ownerOf(kind: string, scope: IConstruct): string {
  return `${kind} ${scope.node.path}`;
}

/** Runs every rule and throws one error listing every violation, or returns when there is none. */
export function validate<P>(owner: string, props: P, rules: ReadonlyArray<Rule<P>>): void {
  const violations = rules.filter((rule) => rule.violated(props)).map((rule) => rule.message(props));
  if (violations.length > 0) {
    throw new ValidationError(owner, violations);
  }
}

/** A number known at synth time (not a token). */
export function known(value: number | undefined): value is number {
  return value !== undefined && !Token.isUnresolved(value);
}

/** A rule: the number read by `get`, when known, is a whole number from `min` to `max`. */
export function wholeNumberIn<P>(prop: string, get: (props: P) => number | undefined, min: number, max: number): Rule<P> {
  return {
    prop,
    violated: (p) => {
      const value = get(p);
      return known(value) && (!Number.isInteger(value) || value < min || value > max);
    },
    message: (p) => `${prop} must be a whole number from ${min} to ${max}, got ${get(p)}`,
  };
}
