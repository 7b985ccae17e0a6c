import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { KeyRing } from './keys/key-ring.js';
import type { Metrics } from './metrics/index.js';
import type { Secrets } from './keys/secrets.js';
import type { OperatorClient } from './operator/operator-client.js';
import type { Store } from './store/store.js';
import type { SmsServices } from './flows/otp/sms-services.js';
import type { StartLimits } from './flows/start-limits.js';

/** Everything a flow or route needs, built once in main.ts (or a test) and passed explicitly. */
export interface BrokerDeps {
  config: Readonly<Config>;
  store: Store;
  operators: OperatorClient;
  keys: KeyRing;
  secrets: Secrets;
  logger: Logger;
  metrics: Metrics;
  http: AxiosInstance;
  sms: SmsServices;
  /** built once at start: limits on starting verifications */
  startLimits: StartLimits;
  now: () => Date;
}
