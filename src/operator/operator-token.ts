import type { OperatorConfig } from '../config/index.js';

/**
 * The operator-token modes (issue 16): an operator or aggregator that serves Number Verification without the
 * device's redirect, through CIBA (poll mode) or the JWT-bearer grant, and only with an operator token (TS.43) the
 * app obtained. Which mode an operator uses is configuration; these answer the questions a start asks about it.
 */

/** how CAMARA spells an operator token in a CIBA `login_hint` or a JWT-bearer assertion's `sub` */
export const OPERATOR_TOKEN_PREFIX = 'operatortoken:';

export type TokenAcquisition = NonNullable<OperatorConfig['tokenAcquisition']>;

/** How the broker gets an access token from this operator (authorization_code unless configured). */
export function tokenAcquisitionOf(operator: OperatorConfig): TokenAcquisition {
  return operator.tokenAcquisition ?? 'authorization_code';
}

/** Whether an operator token the app obtained can prove the number at this operator. */
export function takesOperatorToken(operator: OperatorConfig): boolean {
  return tokenAcquisitionOf(operator) !== 'authorization_code';
}

/** Whether a start without an operator token may send the device through this operator's authorization code flow. */
export function servesRedirectFlow(operator: OperatorConfig): boolean {
  return !takesOperatorToken(operator) || operator.redirectFlow === true;
}
