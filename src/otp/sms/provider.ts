/**
 * What every SMS provider is: a name for logs and metrics, and one verb, `send`.
 * Providers are values chosen at start (see build.ts), so flows never know which gateway they talk to.
 */

export interface SmsMessage {
  /** E.164, with the leading '+' */
  to: string;
  body: string;
}

export interface SmsProvider {
  readonly name: string;
  /** Resolves once the gateway has accepted the message; throws SmsProviderFailed on any failure. */
  send(message: SmsMessage): Promise<{ messageId?: string }>;
}

/**
 * A gateway did not accept a message: non-2xx answer, an error status inside a 2xx answer, a network error
 * or a timeout. The message names the provider and the reason and never holds a code, a phone number, a
 * token or a secret, so it can be logged as is.
 */
export class SmsProviderFailed extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(`${provider}: ${message}`, { cause });
    this.name = 'SmsProviderFailed';
  }
}
