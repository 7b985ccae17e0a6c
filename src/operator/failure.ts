/**
 * Why the silent leg could not prove the number. Each reason sends the verification to SMS fallback and is
 * recorded as an event, so developers and metrics can see where silent verification stops working.
 */
export type FallbackReason =
  | 'network_wifi'
  | 'no_operator'
  | 'number_mismatch'
  | 'access_denied'
  | 'authorization_error'
  | 'not_authenticated_by_mobile_network'
  | 'token_exchange_failed'
  | 'invalid_operator_response'
  | 'operator_timeout'
  | 'operator_unavailable'
  | 'operator_error'
  | 'user_requested'
  /** an application's workflow: its silent leg ran past `timeoutSeconds`, or its backend moved to the next channel */
  | 'silent_timeout'
  | 'next_channel'
  /**
   * the digital-credential leg (issue 18): the presentation failed the broker's checks (structure, nonce, aud, iat,
   * sd_hash, key binding), or the aggregator refused it (a credential it cannot decrypt or does not accept)
   */
  | 'credential_invalid'
  | 'credential_refused';

export class OperatorFailure extends Error {
  constructor(
    readonly reason: FallbackReason,
    message: string,
    readonly detail: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OperatorFailure';
  }
}
