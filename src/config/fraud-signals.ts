import { z } from 'zod';

/**
 * The fraud-signal policies (issue 17, docs/fraud-signals.md), shared by an operator's configuration and a stored
 * application's settings. Absent: no check, so a broker that sets none behaves as before.
 */
const onSwapped = z.enum(['block', 'flag']);
const onUnknown = z.enum(['allow', 'flag', 'block']);

/**
 * SIM Swap: was the SIM changed within `maxAgeHours` (CAMARA SIM Swap `POST /check {maxAge}`, 1–2400 hours)?
 * `onSwapped`: block (the verification fails, SIM_SWAPPED) or flag (it goes on, marked); `onUnknown`: what a check
 * that could not answer (timeout, 5xx, not supported) does. `silent` overrides either for the silent path only: a
 * silent check is not open to SMS interception, so an application may refuse the SMS but accept it.
 */
export const simSwapPolicySchema = z.strictObject({
  maxAgeHours: z.number().int().min(1).max(2400).default(240),
  onSwapped: onSwapped.default('block'),
  onUnknown: onUnknown.default('allow'),
  silent: z.strictObject({ onSwapped: onSwapped.optional(), onUnknown: onUnknown.optional() }).optional(),
});

/** Number Recycling: what a number whose subscriber changed since the caller's `knownSince` does. */
export const numberRecyclingPolicySchema = z.strictObject({
  onRecycled: z.enum(['block', 'flag']).default('flag'),
});

export type SimSwapPolicy = z.output<typeof simSwapPolicySchema>;
export type NumberRecyclingPolicy = z.output<typeof numberRecyclingPolicySchema>;
