// Starts the sandbox with one relying party registered, the way each test file needs it.
import { startSandboxOperator, type RunningSandbox, type SandboxOptions } from '../../../src/sandbox/index.js';

import { CLIENT_ID, REDIRECT_URI, startJwksServer, type JwksServer } from './relying-party.js';

export const SIM_2 = { address: '127.0.0.2', phoneNumber: '+34600000002' };
export const SIM_3 = { address: '127.0.0.3', phoneNumber: '+34600000003' };
/** An address that is not in the SIM table: a device on WiFi. */
export const WIFI_ADDRESS = '127.0.0.9';

export interface TestOperator {
  sandbox: RunningSandbox;
  jwks: JwksServer;
  logged: { warn: string[]; info: string[] };
  close(): Promise<void>;
}

export async function startTestOperator(overrides: Partial<SandboxOptions> = {}): Promise<TestOperator> {
  const jwks = await startJwksServer();
  const logged = { warn: [] as string[], info: [] as string[] };
  const sandbox = await startSandboxOperator({
    port: 0,
    clients: [{ clientId: CLIENT_ID, jwksUri: jwks.url, redirectUris: [REDIRECT_URI] }],
    sims: { [SIM_2.address]: SIM_2.phoneNumber, [SIM_3.address]: SIM_3.phoneNumber },
    logger: { warn: (msg) => logged.warn.push(msg), info: (msg) => logged.info.push(msg) },
    ...overrides,
  });
  return {
    sandbox,
    jwks,
    logged,
    close: async () => {
      await sandbox.close();
      await jwks.close();
    },
  };
}
