import type { OperatorConfig } from '../config/index.js';

export const SANDBOX_CLIENT_ID = 'broker-sandbox';
/** routing serves this operator last: only numbers no other operator claims (src/operator/routing.ts) */
export const SANDBOX_OPERATOR_ID = 'sandbox';

/** The operator entry for the bundled sandbox: serves every number no other operator serves, CAMARA defaults, no prompt=none. */
export function sandboxOperator(issuer: string): OperatorConfig {
  return {
    id: SANDBOX_OPERATOR_ID,
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
    // it implements CAMARA One Time Password SMS (src/sandbox/one-time-password-sms.ts): OTP_ENGINE=camara-otp uses it
    otpSms: true,
    // it aggregates the carrier's TS.43 credential too (issue 18, src/sandbox/credential-aggregator.ts)
    digitalCredential: { requestParametersPath: '/digital-credentials/v1/request-parameters', vct: 'verify' },
  };
}
