import { z } from 'zod';
import { InvalidArgument } from '../errors.js';

/**
 * Parses request input with a strict zod schema. The first problem becomes a 400 naming the field, so
 * callers see exactly what to fix; unknown fields are refused rather than silently ignored.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    throw new InvalidArgument(`Unknown ${where} field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`);
  }
  throw new InvalidArgument(field ? `${field}: ${issue.message}` : `Invalid ${where}: ${issue.message}`);
}

export const networkField = z.enum(['cellular', 'wifi', 'unknown']).default('unknown');
