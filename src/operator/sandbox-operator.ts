import type { OperatorConfig } from '../config/index.js';

export const SANDBOX_CLIENT_ID = 'broker-sandbox';

/** The operator entry for the bundled sandbox: serves every number, CAMARA defaults, no prompt=none. */
export function sandboxOperator(issuer: string): OperatorConfig {
  return {
    id: 'sandbox',
    issuer,
    clientId: SANDBOX_CLIENT_ID,
    clientAuth: 'private_key_jwt',
    scope: 'openid number-verification:verify',
    loginHintFormat: 'tel',
    apiRoot: issuer,
    apiVersionPath: '/number-verification/v2',
    mode: 'verify',
    hashPhoneNumber: false,
    prefixes: ['+'],
    allowInsecureHttp: true,
    idToken: true,
  };
}
