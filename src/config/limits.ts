import { z } from 'zod';
import type { EnvDoc } from './env.js';
import { rate } from './otp.js';

/**
 * Limits on starting verifications (flows/start-limits.ts), apart from the SMS limits: a start costs an
 * operator round trip (discovery, a signed authorization request) even when no SMS follows, and a burst
 * of starts for one number is how someone probes it or floods its owner with operator prompts.
 * Defaults: 30 a minute per client network lets a whole office behind one NAT verify; 10 an hour per
 * number is far above what one person retries. Benchmarks raise both.
 */
export const limitsEnvSchema = z.object({
  START_LIMIT_PER_IP: rate('30/60'),
  START_LIMIT_PER_NUMBER: rate('10/3600'),
});

export const limitsEnvDoc: EnvDoc[] = [
  { name: 'START_LIMIT_PER_IP', default: '30/60', description: 'Verification starts per client IP (IPv6: per /64) per window (COUNT/SECONDS), on every API and facade that starts one.' },
  { name: 'START_LIMIT_PER_NUMBER', default: '10/3600', description: 'Verification starts per phone number per window (COUNT/SECONDS), whatever the client address.' },
];

export interface StartLimitsConfig {
  perIp: { points: number; duration: number };
  perNumber: { points: number; duration: number };
}

export function startLimitsConfigOf(env: z.output<typeof limitsEnvSchema>): StartLimitsConfig {
  return { perIp: env.START_LIMIT_PER_IP, perNumber: env.START_LIMIT_PER_NUMBER };
}
