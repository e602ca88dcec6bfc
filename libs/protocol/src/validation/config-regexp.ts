// Regular expressions from config, run as Envoy runs them: RE2 syntax, matched against the whole value
// in time linear in its length (V8's backtracking engine takes exponential time on `/(a+)+b` and friends).
import { RE2JS } from 're2js';

/** A compiled config pattern; `matches` is true when the pattern matches the whole value. */
export interface WholeMatch {
  matches(value: string): boolean;
}

/** Compiles a pattern; a SyntaxError names what RE2 refuses (the data plane's own check). */
export function compileWholeMatch(pattern: string): WholeMatch {
  const compiled = compileOrProblem(pattern);
  if (typeof compiled === 'string')
    throw new SyntaxError(`invalid RE2 regular expression: ${compiled}`);
  return compiled;
}

/** Why RE2 refuses the pattern (no lookaround, no backreferences, repeats up to 1000…), or undefined. */
export function regexpProblem(pattern: string): string | undefined {
  const compiled = compileOrProblem(pattern);
  return typeof compiled === 'string' ? compiled : undefined;
}

function compileOrProblem(pattern: string): WholeMatch | string {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    return (err as Error).message;
  }
}
