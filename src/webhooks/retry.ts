/** A receiver asking for more than a day is asked again after a day (the schedule's own longest wait). */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * When the next attempt is due, after `attempts` attempts (the one just made included), or undefined when
 * the schedule has no attempts left. `schedule[i]` is the wait before attempt i+1 (Standard Webhooks);
 * a receiver's Retry-After wins when it asks for a longer wait.
 * @see RFC 9110 §10.2.3 (Retry-After)
 */
export function nextAttemptAt(schedule: readonly number[], attempts: number, now: Date, retryAfterMs?: number): Date | undefined {
  if (attempts >= schedule.length) return undefined;
  const wait = Math.max(schedule[attempts] * 1000, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return new Date(now.getTime() + wait);
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
