import type { OperatorConfig } from '../config/index.js';
import { SANDBOX_OPERATOR_ID } from './sandbox-operator.js';

/**
 * The operator for a number; none means the number goes to SMS.
 *
 * Rules:
 * - among the configured operators, the longest matching prefix wins;
 * - the sandbox only serves numbers no other operator's prefix matches, whatever the prefix lengths: it
 *   shows codes to anyone, so it must never take a number a real operator serves.
 */
export function routeToOperator(operators: readonly OperatorConfig[], phoneNumber: string): OperatorConfig | undefined {
  const real = operators.filter((op) => op.id !== SANDBOX_OPERATOR_ID);
  return longestPrefixMatch(real, phoneNumber) ?? longestPrefixMatch(operators.filter((op) => op.id === SANDBOX_OPERATOR_ID), phoneNumber);
}

function longestPrefixMatch(operators: readonly OperatorConfig[], phoneNumber: string): OperatorConfig | undefined {
  let best: { op: OperatorConfig; length: number } | undefined;
  for (const op of operators) {
    for (const prefix of op.prefixes) {
      if (phoneNumber.startsWith(prefix) && (!best || prefix.length > best.length)) best = { op, length: prefix.length };
    }
  }
  return best?.op;
}

/**
 * The candidates for a number, best first: the operator Telco Finder names (it knows about portability),
 * then the prefix match; each once.
 */
export function candidatesOf(found: OperatorConfig | undefined, byPrefix: OperatorConfig | undefined): OperatorConfig[] {
  const candidates = [found, byPrefix].filter((op): op is OperatorConfig => op !== undefined);
  return candidates.filter((op, i) => candidates.findIndex((other) => other.id === op.id) === i);
}
