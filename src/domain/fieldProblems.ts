/**
 * How a refused input's problems are told, everywhere: each names the field (its path in
 * the input, or what the whole input is when the problem is with all of it) and the reason.
 */
import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** `whole` names the input when a problem has no path (e.g. "(event)", "(body)"); `prefix` places the input inside a larger one. */
export function fieldProblems(error: z.ZodError, whole: string, prefix: readonly PropertyKey[] = []): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path].map(String).join('.');
    return { field: path || whole, message: issue.message };
  });
}

/** The problems in one line: `field: reason; field: reason`. */
export function describeProblems(error: z.ZodError, whole: string, prefix: readonly PropertyKey[] = []): string {
  return fieldProblems(error, whole, prefix)
    .map((p) => `${p.field}: ${p.message}`)
    .join('; ');
}
