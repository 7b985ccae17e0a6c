import { z } from 'zod';
import { ConfigInvalid, listVar, type Env, type EnvDoc } from './env.js';

/**
 * Settings of the compatibility facades (src/compat, docs/compatibility.md): other systems' APIs served
 * over the broker's own flows, so their existing clients can point at the broker unchanged.
 */
export const COMPAT_FACADES = ['cloudsoftphone', 'mpass', 'wso2'] as const;
export type CompatFacade = (typeof COMPAT_FACADES)[number];

const region = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 region, e.g. GB').optional();

const apiKey = z.string().min(24, 'must be at least 24 characters').optional();

const facades = z
  .string()
  .default('none')
  .transform((value, ctx) => {
    const names = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (names.length === 0 || (names.length === 1 && names[0] === 'none')) return [];
    for (const name of names) {
      if (!(COMPAT_FACADES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', message: `unknown facade "${name}"; use ${COMPAT_FACADES.join(', ')} or none` });
    }
    return names as CompatFacade[];
  });

export const compatEnvSchema = z.object({
  COMPAT_FACADES: facades,
  // a path prefix of plain segments, without a trailing slash: `/compat/cloudsoftphone`
  COMPAT_CLOUDSOFTPHONE_PATH: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path like /compat/cloudsoftphone (no trailing slash)').default('/compat/cloudsoftphone'),
  COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS: listVar('phoneNumber,number,phone').pipe(
    z.array(z.string().regex(/^[A-Za-z_][\w.-]{0,63}$/, 'field names are letters, digits, _ . -')).min(1, 'name at least one field'),
  ),
  COMPAT_MPASS_DEFAULT_REGION: region,
  COMPAT_WSO2_DEFAULT_REGION: region,
  COMPAT_WSO2_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  COMPAT_WSO2_ISSUER: z.string().min(1).optional(),
  COMPAT_WSO2_AUDIENCE: z.string().min(1).optional(),
  COMPAT_WSO2_API_KEY: apiKey,
  COMPAT_CLOUDSOFTPHONE_API_KEY: apiKey,
});

/**
 * `COMPAT_FACADES=` (empty) means none: withoutEmpty would drop it as unset, and a default is not what an
 * operator who emptied the variable asked for.
 */
export function explicitFacades(rawEnv: Env, env: Env): Env {
  return rawEnv.COMPAT_FACADES !== undefined && rawEnv.COMPAT_FACADES.trim() === '' ? { ...env, COMPAT_FACADES: 'none' } : env;
}

export type CompatEnv = z.output<typeof compatEnvSchema>;

export interface CompatConfig {
  facades: CompatFacade[];
  /** apiKey: the provisioning backend's key from COMPAT_CLOUDSOFTPHONE_API_KEY (else the generated one) */
  cloudSoftphone: { path: string; numberFields: string[]; apiKey?: string };
  mpass: { defaultRegion?: string };
  /** apiKey: the backend's key from COMPAT_WSO2_API_KEY (else the generated one) */
  wso2: { defaultRegion?: string; apiKey?: string; userTokens?: { jwksUrl: string; issuer: string; audience: string } };
}

/**
 * The facades' section of Config. A JWKS URL without its issuer and audience (or one of those without the
 * URL) stops the broker at start: without `aud`, a token the same identity provider issued for any other
 * application would open the /me endpoints.
 */
export function compatConfigOf(env: CompatEnv): CompatConfig {
  if (Boolean(env.COMPAT_WSO2_JWKS_URL) !== Boolean(env.COMPAT_WSO2_ISSUER)) {
    throw new ConfigInvalid(['COMPAT_WSO2_JWKS_URL, COMPAT_WSO2_ISSUER: set both (user tokens are checked against that issuer and its keys) or neither']);
  }
  if (Boolean(env.COMPAT_WSO2_JWKS_URL) !== Boolean(env.COMPAT_WSO2_AUDIENCE)) {
    throw new ConfigInvalid(['COMPAT_WSO2_AUDIENCE: required with COMPAT_WSO2_JWKS_URL (user tokens must be meant for this API), and only with it']);
  }
  return {
    facades: env.COMPAT_FACADES,
    cloudSoftphone: { path: env.COMPAT_CLOUDSOFTPHONE_PATH, numberFields: env.COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS, apiKey: env.COMPAT_CLOUDSOFTPHONE_API_KEY },
    mpass: { defaultRegion: env.COMPAT_MPASS_DEFAULT_REGION },
    wso2: {
      defaultRegion: env.COMPAT_WSO2_DEFAULT_REGION,
      apiKey: env.COMPAT_WSO2_API_KEY,
      ...(env.COMPAT_WSO2_JWKS_URL && {
        userTokens: { jwksUrl: env.COMPAT_WSO2_JWKS_URL, issuer: env.COMPAT_WSO2_ISSUER!, audience: env.COMPAT_WSO2_AUDIENCE! },
      }),
    },
  };
}

export const compatEnvDoc: EnvDoc[] = [
  { name: 'COMPAT_FACADES', default: 'none', description: 'Compatibility facades to serve (docs/compatibility.md), comma-separated: cloudsoftphone, mpass, wso2, or none. Opt-in: unset or empty serves none.' },
  { name: 'COMPAT_CLOUDSOFTPHONE_PATH', default: '/compat/cloudsoftphone', description: 'Path prefix of the Cloud Softphone Phone Number Verifier: PREFIX/verify_number (the app) and PREFIX/check (the provisioning backend).' },
  { name: 'COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS', default: 'phoneNumber,number,phone', description: 'Names of the query/body field that carries the number in Cloud Softphone requests, tried in this order.' },
  { name: 'COMPAT_MPASS_DEFAULT_REGION', description: 'Region (ISO 3166 alpha-2) for mPass `dest` numbers written nationally (e.g. SA for 0501234567). Unset: dest must be international (+966…, 00966… or 966…).' },
  { name: 'COMPAT_WSO2_DEFAULT_REGION', description: 'Region (ISO 3166 alpha-2) for WSO2 mobile numbers written nationally (the SCIM examples use 0123456789). Unset: numbers must be international (+…).' },
  { name: 'COMPAT_WSO2_JWKS_URL', description: "JWKS of the identity provider whose access tokens (JWT, `sub` = the user id) authenticate users on /api/identity/user/v1.0/me/*. Unset: the /me endpoints answer 401." },
  { name: 'COMPAT_WSO2_ISSUER', description: '`iss` those user tokens must carry; required with COMPAT_WSO2_JWKS_URL.' },
  { name: 'COMPAT_WSO2_AUDIENCE', description: '`aud` those user tokens must carry (this API\'s identifier at the identity provider); required with COMPAT_WSO2_JWKS_URL.' },
  { name: 'COMPAT_WSO2_API_KEY', default: '(generated into DATA_DIR)', description: 'Key of the WSO2 facade\'s backend (SCIM /scim2/Users, privileged validate-code and resend-code, silent-verify), sent as `Authorization: Bearer …`; at least 24 characters.' },
  { name: 'COMPAT_CLOUDSOFTPHONE_API_KEY', default: '(generated into DATA_DIR)', description: 'Key of the Cloud Softphone provisioning backend (PREFIX/check), sent as `Authorization: Bearer …`; at least 24 characters.' },
];
