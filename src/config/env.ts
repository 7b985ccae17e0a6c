import { z } from 'zod';

/** What a config section reads: the process environment, or a test's own object. */
export type Env = Record<string, string | undefined>;

/** Variable documentation: `.env.example` and the README table are generated from these lists. */
export interface EnvDoc {
  name: string;
  default?: string;
  description: string;
}

/** A start-up failure that names every offending variable, so the operator can fix them all at once. */
export class ConfigInvalid extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigInvalid';
  }
}

export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

/** Empty strings count as unset: `.env` files commonly carry `NAME=`. */
export function withoutEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

export const intVar = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'on', 'yes'].includes(v));

export const listVar = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export const urlVar = () => z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
