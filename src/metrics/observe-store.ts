import type { Verification, VerificationStatus } from '../domain/verification.js';
import { isFinal } from '../domain/verification.js';
import { bindVerificationToLog } from '../logging.js';
import type { Store } from '../store/store.js';
import type { Metrics, VerificationOutcome } from './metrics.js';

const SILENT_STATUSES: readonly VerificationStatus[] = ['pending', 'silent_auth_in_progress'];

/**
 * The store, watched where a verification's story is written down, so that every flow (the native API and
 * every facade) is counted once, the same way, without a metric call in each of them.
 *
 * Rules:
 * - a verification created is `started`: with silent_auth when an operator was chosen for it, else sms_otp;
 * - a change that was written (not declined, not lost to a race: the store calls the change again and
 *   only its last answer is written) and that moved the status
 *     from pending/silent_auth_in_progress to fallback_required counts a fallback, by reason;
 *     from an unfinished status to verified, failed or expired counts a finished verification;
 * - every recorded webhook attempt counts by result: delivered, retry (due again later), failed (no more);
 * - the request being handled is marked as being about the verification it reads or writes, so its log
 *   lines carry the verificationId.
 * Everything else passes through untouched.
 */
export function observeStore(store: Store, metrics: Metrics): Store {
  const watched: Partial<Store> = {
    async createVerification(verification) {
      bindVerificationToLog(verification.id);
      await store.createVerification(verification);
      metrics.verificationStarted(verification.operatorId ? 'silent_auth' : 'sms_otp');
    },
    async getVerification(id) {
      bindVerificationToLog(id);
      return store.getVerification(id);
    },
    async updateVerification(id, change) {
      bindVerificationToLog(id);
      let written: { from: Verification; to: Verification } | undefined;
      const result = await store.updateVerification(id, (current) => {
        const outcome = change(current);
        written = outcome && { from: current, to: outcome.next };
        return outcome;
      });
      if (result && written) countTransition(metrics, written.from, written.to);
      return result;
    },
    async completeDelivery(id, result, now) {
      await store.completeDelivery(id, result, now);
      metrics.webhookAttempt(result.ok ? 'delivered' : result.nextAttemptAt ? 'retry' : 'failed');
    },
  };
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(watched, property)) return watched[property as keyof Store];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function countTransition(metrics: Metrics, from: Verification, to: Verification): void {
  if (from.status === to.status) return;
  if (to.status === 'fallback_required' && SILENT_STATUSES.includes(from.status)) metrics.fallbackRequired(to.reason ?? 'unknown');
  if (isFinal(to.status) && !isFinal(from.status)) metrics.verificationFinished(to.method, to.status as VerificationOutcome);
}
