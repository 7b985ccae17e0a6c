import type { Logger } from 'pino';
import { ignoredMetadataFields } from '../config/operator-metadata.js';
import type { OperatorConfig } from '../config/index.js';
import { checkOperatorKeys } from './signing-key.js';

/**
 * What can be known about the operators before any call to them (issue 16), checked once at start.
 *
 * Rules:
 * - an operator-issued key that cannot sign (unreadable, wrong type, alg mismatch) stops the start
 *   (ConfigInvalid naming the operator);
 * - hand-given metadata fields the broker does not know are named in a warning, per operator: they are
 *   ignored, and a misspelt field would otherwise look as if it had been applied.
 */
export async function checkOperatorsAtStart(operators: readonly OperatorConfig[], logger: Pick<Logger, 'warn'>): Promise<void> {
  await checkOperatorKeys(operators);
  for (const op of operators) {
    const ignored = op.metadata ? ignoredMetadataFields(op.metadata) : [];
    if (ignored.length) logger.warn({ operator: op.id, ignoredMetadataFields: ignored }, `operator ${op.id}: metadata fields ignored (not standard authorization-server metadata the broker uses): ${ignored.join(', ')}`);
  }
}
