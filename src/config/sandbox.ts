import { z } from 'zod';
import { boolVar, intVar, type EnvDoc } from './env.js';

const simsVar = z
  .string()
  .default('127.0.0.2=+34600000002,127.0.0.3=+34600000003,127.0.0.4=+447400123456')
  .transform((value, ctx) => {
    const sims: Record<string, string> = {};
    for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const match = /^(\d{1,3}(?:\.\d{1,3}){3})=(\+[1-9]\d{4,14})$/.exec(entry);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not ADDRESS=+E164` });
        return z.NEVER;
      }
      sims[match[1]] = match[2];
    }
    return sims;
  });

/** `+E164=VALUE,…` → a record; `parse` turns a VALUE into its type or undefined when it is not one. */
function numberTableVar<T>(valueName: string, parse: (value: string) => T | undefined) {
  return z
    .string()
    .default('')
    .transform((value, ctx) => {
      const table: Record<string, T> = {};
      for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        const match = /^(\+[1-9]\d{4,14})=(.+)$/.exec(entry);
        const parsed = match ? parse(match[2].trim()) : undefined;
        if (!match || parsed === undefined) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not +E164=${valueName}` });
          return z.NEVER;
        }
        table[match[1]] = parsed;
      }
      return table;
    });
}

const hoursAgo = (value: string) => (/^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined);
/** a real day: 2026-02-30 matches the pattern but is no date */
const calendarDate = (value: string) => {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  return day && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value) ? value : undefined;
};

export const sandboxEnvSchema = z.object({
  // unset: decided by loadConfig (on for development, off when the broker looks like production)
  SANDBOX: z.enum(['on', 'off']).optional(),
  SANDBOX_PORT: intVar(3001, 0, 65535),
  SANDBOX_SIMS: simsVar,
  SANDBOX_FAULT_DELAY_MS: intVar(0, 0, 120000),
  SANDBOX_FAULT_STATUS: z.coerce.number().int().min(500).max(599).optional(),
  SANDBOX_SHOW_CODES: boolVar(true),
  SANDBOX_SIM_SWAPS: numberTableVar('HOURS_AGO', hoursAgo),
  SANDBOX_RECYCLED: numberTableVar('YYYY-MM-DD', calendarDate),
});

export const sandboxEnvDoc: EnvDoc[] = [
  { name: 'SANDBOX', default: 'on in development', description: 'Start the bundled sandbox operator (development and tests only: it claims unserved numbers and shows codes). Unset: off when NODE_ENV=production, PUBLIC_URL is https or BROKER_CONFIG lists operators, on otherwise; SANDBOX=on is refused in those cases.' },
  { name: 'SANDBOX_PORT', default: '3001', description: 'Port of the sandbox operator (its own origin, http://127.0.0.1:PORT).' },
  { name: 'SANDBOX_SIMS', default: '127.0.0.2=+34600000002,127.0.0.3=+34600000003,127.0.0.4=+447400123456', description: 'Simulated SIMs: source address = number. Other addresses are devices on WiFi. Browsers pick a SIM at the sandbox page /sim.' },
  { name: 'SANDBOX_FAULT_DELAY_MS', default: '0', description: 'Fault injection: delay of the sandbox Number Verification API.' },
  { name: 'SANDBOX_FAULT_STATUS', description: 'Fault injection: 5xx status the sandbox Number Verification API answers.' },
  { name: 'SANDBOX_SIM_SWAPS', description: 'Sandbox SIM Swap API: numbers whose SIM was swapped N hours before the sandbox started, e.g. `+34600000003=2`. Others were activated on 2020-01-01 and never swapped. See docs/sandbox.md.' },
  { name: 'SANDBOX_RECYCLED', description: 'Sandbox Number Recycling API: numbers taken over by a new subscriber on a date, e.g. `+34600000003=2026-01-01` (recycled for any earlier date; a SIM change on that day too). Others were never recycled.' },
  { name: 'SANDBOX_SHOW_CODES', default: 'true', description: 'With the sandbox on, the console SMS provider prints codes and keeps them in /sandbox/inbox.' },
];
