import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readJsonFile, writeSecretFile } from './files.js';

/** Secrets the broker generates on first start and keeps in DATA_DIR/secrets.json (never in git). */
export interface Secrets {
  /** signs the session cookie */
  sessionSecret: string;
  /** keys the HMAC of one-time codes */
  otpSecret: string;
  /** the admin endpoints (webhook deliveries), unless ADMIN_API_KEY is configured */
  adminApiKey: string;
  /** the WSO2 facade's backend (SCIM, privileged validate-code/resend-code, silent-verify), unless COMPAT_WSO2_API_KEY is configured */
  wso2ApiKey: string;
  /** the Cloud Softphone provisioning backend (`check`), unless COMPAT_CLOUDSOFTPHONE_API_KEY is configured */
  cloudSoftphoneApiKey: string;
  /** Standard Webhooks secret of the default application (`whsec_` + base64 of 32 random bytes) */
  webhookSecret: string;
}

const generators: { [K in keyof Secrets]: () => string } = {
  sessionSecret: () => randomBytes(32).toString('base64url'),
  otpSecret: () => randomBytes(32).toString('base64url'),
  adminApiKey: () => `adm_${randomBytes(24).toString('base64url')}`,
  wso2ApiKey: () => `wso2_${randomBytes(24).toString('base64url')}`,
  cloudSoftphoneApiKey: () => `csp_${randomBytes(24).toString('base64url')}`,
  webhookSecret: () => `whsec_${randomBytes(32).toString('base64')}`,
};

/**
 * Loads the secrets, generating any that are missing (a new broker, or a newer version with more secrets).
 * `created` lists what was generated now, so start-up can print it once.
 */
export function loadOrCreateSecrets(dataDir: string): { secrets: Secrets; created: (keyof Secrets)[] } {
  const file = path.join(dataDir, 'secrets.json');
  const existing = readJsonFile<Partial<Secrets>>(file) ?? {};
  const created = (Object.keys(generators) as (keyof Secrets)[]).filter((k) => !existing[k]);
  const secrets = { ...existing } as Secrets;
  for (const key of created) secrets[key] = generators[key]();
  if (created.length) writeSecretFile(file, secrets);
  return { secrets, created };
}

/** The API keys configured in the environment (each ≥ 24 characters, validated in src/config). */
export interface ConfiguredApiKeys {
  adminApiKey?: string;
  wso2ApiKey?: string;
  cloudSoftphoneApiKey?: string;
}

/** The secrets in use: a key configured in the environment wins over the generated one. */
export function withConfiguredKeys(secrets: Secrets, configured: ConfiguredApiKeys): Secrets {
  const set = Object.entries(configured).filter(([, value]) => typeof value === 'string' && value !== '');
  return { ...secrets, ...Object.fromEntries(set) };
}
