import type { OperatorConfig } from '../config/index.js';

/** The operator whose longest number prefix matches; none means the number goes to SMS. */
export function routeToOperator(operators: readonly OperatorConfig[], phoneNumber: string): OperatorConfig | undefined {
  let best: { op: OperatorConfig; length: number } | undefined;
  for (const op of operators) {
    for (const prefix of op.prefixes) {
      if (phoneNumber.startsWith(prefix) && (!best || prefix.length > best.length)) best = { op, length: prefix.length };
    }
  }
  return best?.op;
}
