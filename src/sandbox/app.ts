// The sandbox's route table: every endpoint it answers, in the order requests meet them.
import express, { type Express } from 'express';
import type Provider from 'oidc-provider';

import { injectFaults } from './faults.js';
import { forgetEarlierLogin } from './fresh-login.js';
import { createInteractionRouter } from './interactions.js';
import { createNumberRecyclingRouter, NUMBER_RECYCLING_PATH } from './number-recycling.js';
import { createNumberVerificationRouter } from './number-verification.js';
import { createOtpSmsRouter, OTP_SMS_PATH } from './one-time-password-sms.js';
import type { OtpAuthentications } from './otp-authentications.js';
import type { SandboxSettings } from './settings.js';
import { stripPromptNone } from './prompt-none.js';
import { NUMBER_VERIFICATION_PATH } from './resource-server.js';
import { createSimPickerRouter } from './sim-picker.js';
import { createSimSwapRouter, SIM_SWAP_PATH } from './sim-swap.js';
import { createTelcoFinderRouter, TELCO_FINDER_PATH } from './telco-finder.js';
import { createCredentialAggregator, DIGITAL_CREDENTIALS_PATH } from './credential-aggregator.js';
import { jwtBearerGrant } from './jwt-bearer-grant.js';
import type { SigningKeys } from './signing-keys.js';

export interface SandboxAppDependencies {
  issuer: string;
  provider: Provider;
  keys: SigningKeys;
  settings: SandboxSettings;
  /** the One Time Password SMS API's codes, shared with `RunningSandbox.sentSms` */
  authentications: OtpAuthentications;
}

/** Builds the sandbox's HTTP app; it never listens (see `startSandboxOperator`). */
export function createSandboxApp({ issuer, provider, keys, settings, authentications }: SandboxAppDependencies): Express {
  const { sims, faults, logger, clients, lines } = settings;
  // the sample pages that may be linked back to: the origins of the clients' redirect URIs (the broker)
  const sampleOrigins = [...new Set(clients.flatMap((c) => c.redirectUris.map((uri) => new URL(uri).origin)))];
  const app = express();
  app.disable('x-powered-by');
  // the device is whoever the TCP connection comes from; X-Forwarded-For must never speak for it
  app.set('trust proxy', false);

  const authorization = provider.pathFor('authorization');
  // issue 18: the aggregator of the carrier's TS.43 credential (request parameters; presentations at the token endpoint)
  const aggregator = createCredentialAggregator({ issuer, keys, simNumbers: new Set(sims.values()) });
  const tokenEndpoint = `${issuer}${provider.pathFor('token')}`;

  app.use(createSimPickerRouter({ issuer, sims, sampleOrigins }));                      // GET, POST /sim
  app.use(createInteractionRouter({ provider, sims, logger }));                        // GET /interaction/:uid
  app.use(NUMBER_VERIFICATION_PATH, createNumberVerificationRouter({ issuer, keys, faults })); // POST /verify, GET /device-phone-number
  app.use(SIM_SWAP_PATH, createSimSwapRouter({ issuer, keys, faults, lines }));               // POST /retrieve-date, /check
  app.use(NUMBER_RECYCLING_PATH, createNumberRecyclingRouter({ issuer, keys, faults, lines })); // POST /check
  app.use(OTP_SMS_PATH, createOtpSmsRouter({ issuer, keys, faults, lines, logger, authentications })); // POST /send-code, /validate-code
  app.use(TELCO_FINDER_PATH, createTelcoFinderRouter({ issuer, keys, sims }));                // POST /search
  app.use(DIGITAL_CREDENTIALS_PATH, aggregator.router);                                       // POST /request-parameters
  app.get([authorization, `${authorization}/:uid`], forgetEarlierLogin(provider.cookieName('session')));
  app.get(authorization, stripPromptNone);
  app.post(provider.pathFor('token'), injectFaults(faults, 'token'));
  app.post(provider.pathFor('token'), ...jwtBearerGrant({ issuer, tokenEndpoint, keys, clients, aggregator })); // grant_type jwt-bearer, sub=vp_token:
  app.use(provider.callback());          // oidc-provider: discovery, /jwks, /auth, /auth/:uid, /token (code, client credentials), /me
  return app;
}
