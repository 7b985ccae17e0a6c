import type { Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';
import { refusedForRisk, riskNoted } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { RiskRefused } from '../../errors.js';
import { applyTransition } from '../verifications.js';
import { assessRisk } from './assess-risk.js';

export type ScreenDeps = Pick<BrokerDeps, 'store' | 'metrics' | 'operators' | 'logger' | 'now'>;

/**
 * The fraud signals before an SMS code is sent (issue 17), called by sendCode once the SMS limits are taken.
 *
 * Rules:
 * - it runs after the limits, not before: each check is a paid operator call that reveals a fact about the line,
 *   so it is bounded like the SMS it guards (per number, per network, per application), and a caller cannot use
 *   a refused send to ask about numbers for free;
 * - the checks use a client-credentials token and name the number (assess-risk.ts); the verification's own id
 *   is the x-correlator, so the operator's logs and ours meet;
 * - a block: the limits' reservation is given back (no SMS went out), the verification fails with the reason
 *   (verification.failed webhook, with `risk`) and RiskRefused (403) is thrown, so no code is ever sent;
 * - otherwise the signals checked now are recorded on the verification and the send goes on.
 */
export async function screenBeforeSms(deps: ScreenDeps, v: Verification, application: Application | undefined, reservation: { release(): Promise<void> }): Promise<void> {
  const risk = await assessRisk(deps, v, { channel: 'sms' }, { correlator: v.id, application });
  if (!risk.signals) return;
  if (!risk.refusal) {
    if (risk.events.length) await applyTransition(deps, v.id, riskNoted(deps.now(), risk.signals, risk.events));
    return;
  }
  await reservation.release();
  await applyTransition(deps, v.id, refusedForRisk(deps.now(), risk.refusal, risk.signals, risk.events));
  throw new RiskRefused(risk.refusal);
}
