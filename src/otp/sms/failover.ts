/**
 * Sending through an ordered list of providers.
 *
 * Rules:
 * - Providers are tried in order; the first that accepts the message wins and the rest are not called.
 * - Any failure (an answer refused, a network error, a timeout: each provider has its own deadline) moves
 *   on to the next provider, after telling `onFailure`, whose own errors are ignored so reporting cannot
 *   stop delivery.
 * - A provider that timed out may still deliver; the next one then sends the same text, so the person can
 *   get the same code twice, never two different codes.
 * - When every provider failed, AllSmsProvidersFailed lists them by name; the message body (the code) and
 *   the number are never part of it.
 */
import type { SmsMessage, SmsProvider } from './provider.js';

export class AllSmsProvidersFailed extends Error {
  constructor(
    readonly providers: string[],
    readonly errors: unknown[],
  ) {
    super(providers.length ? `all SMS providers failed: ${providers.join(', ')}` : 'no SMS provider is configured');
    this.name = 'AllSmsProvidersFailed';
  }
}

export async function sendWithFailover(
  providers: SmsProvider[],
  message: SmsMessage,
  onFailure?: (provider: string, err: unknown) => void,
): Promise<{ provider: string; messageId?: string }> {
  const errors: unknown[] = [];
  for (const provider of providers) {
    try {
      const { messageId } = await provider.send(message);
      return { provider: provider.name, messageId };
    } catch (err) {
      errors.push(err);
      try {
        onFailure?.(provider.name, err);
      } catch {
        // a broken logger must not cost the person their SMS
      }
    }
  }
  throw new AllSmsProvidersFailed(
    providers.map((provider) => provider.name),
    errors,
  );
}
