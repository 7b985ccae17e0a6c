import type { AxiosInstance } from 'axios';
import { Webhook } from 'standardwebhooks';
import type { OutboxMessage } from '../store/store.js';
import { parseRetryAfter } from './retry.js';
import type { WebhookTarget } from './targets.js';

const USER_AGENT = 'silent-verify-broker-webhooks/1';

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; retryAfterMs?: number };

/**
 * One delivery attempt: the outbox payload, byte for byte, POSTed to the application's configured URL
 * and signed per Standard Webhooks (`webhook-id` is the message id, the same on every attempt;
 * `webhook-timestamp` is this attempt's time; `webhook-signature` is `v1,` + HMAC-SHA256 of
 * `id.timestamp.body`).
 *
 * Rules:
 * - a 2xx answer is a delivery; anything else, a network error or no answer within `timeoutMs` is not;
 * - redirects are not followed (a 3xx is a failed attempt): the event goes to the configured URL only;
 * - the answer's body is never read, only its status and Retry-After;
 * - the whole attempt (connect, send, headers back) has one deadline, so a trickling receiver cannot
 *   hold the delivery past its lease.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export async function sendWebhook(
  http: AxiosInstance,
  target: WebhookTarget,
  message: Pick<OutboxMessage, 'id' | 'payload'>,
  options: { now: Date; timeoutMs: number },
): Promise<SendResult> {
  const signature = new Webhook(target.secret).sign(message.id, options.now, message.payload);
  try {
    const res = await http.request({
      method: 'POST',
      url: target.url,
      data: message.payload,
      transformRequest: [(body: string) => body],
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': message.id,
        'webhook-timestamp': String(Math.floor(options.now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      maxRedirects: 0,
      timeout: options.timeoutMs,
      signal: AbortSignal.timeout(options.timeoutMs),
      validateStatus: () => true,
      responseType: 'stream',
    });
    (res.data as { destroy?: () => void } | undefined)?.destroy?.();
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const retryAfter = res.headers['retry-after'];
    return {
      ok: false,
      status: res.status,
      error: res.status >= 300 && res.status < 400 ? `redirect not followed (HTTP ${res.status})` : `HTTP ${res.status}`,
      retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, options.now),
    };
  } catch (err) {
    return { ok: false, error: describeFailure(err, options.timeoutMs) };
  }
}

/** A short reason for the delivery record: the error code, never the URL (it may carry credentials). */
function describeFailure(err: unknown, timeoutMs: number): string {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') return `no answer within ${timeoutMs} ms`;
  return `network error: ${code ?? (err as Error).name ?? 'unknown'}`;
}
