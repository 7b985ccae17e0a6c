import type { Application } from '../../applications/application.js';
import type { NumberRecyclingPolicy, SimSwapPolicy } from '../../config/fraud-signals.js';
import type { OperatorConfig } from '../../config/index.js';

export interface RiskPolicies {
  simSwap?: SimSwapPolicy;
  numberRecycling: NumberRecyclingPolicy;
}

/** What a number recycled since the caller's knownSince does when nobody said: marked, not refused. */
const DEFAULT_NUMBER_RECYCLING: NumberRecyclingPolicy = { onRecycled: 'flag' };

/**
 * The fraud-signal policies that apply to a verification.
 *
 * Rules:
 * - SIM Swap: the application's `simSwap` when it sets one (a stored application, issue 14), else the policy of
 *   the operator that serves the number, else none (no check: the default, so nothing changes unless asked);
 * - Number Recycling: checked only when the caller gave `knownSince`; the application's `numberRecycling`, else flag.
 */
export function riskPolicies(operator: OperatorConfig | undefined, application: Application | undefined): RiskPolicies {
  return {
    simSwap: application?.simSwap ?? operator?.simSwap,
    numberRecycling: application?.numberRecycling ?? DEFAULT_NUMBER_RECYCLING,
  };
}

/** What the policy does with a SIM Swap status on a path (`silent` may override either rule for the silent path). */
export function simSwapDecision(policy: SimSwapPolicy, status: 'swapped' | 'not_swapped' | 'unknown', path: 'sms' | 'silent'): 'allow' | 'flag' | 'block' {
  if (status === 'not_swapped') return 'allow';
  const silent = path === 'silent' ? policy.silent : undefined;
  return status === 'swapped' ? (silent?.onSwapped ?? policy.onSwapped) : (silent?.onUnknown ?? policy.onUnknown);
}

