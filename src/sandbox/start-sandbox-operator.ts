import { createServer, type Server } from 'node:http';

import { mintAccessToken } from './access-token.js';
import { createSandboxApp } from './app.js';
import type { RunningSandbox, SandboxOptions } from './options.js';
import { createOtpAuthentications } from './otp-authentications.js';
import { createProvider } from './provider.js';
import { resolveSandboxSettings } from './settings.js';
import { generateSigningKeys } from './signing-keys.js';

const BANNER = 'SANDBOX OPERATOR — development and tests only, not a real operator. Devices are "authenticated" by their source address or a cookie; never point production traffic here.';

/**
 * Starts the bundled sandbox mobile operator: an OpenID Connect authorization server with simulated
 * network-based authentication, and the CAMARA Number Verification, SIM Swap, Number Recycling and One Time
 * Password SMS APIs, on one origin.
 *
 * It listens first and builds the authorization server afterwards, because with `port: 0` the issuer
 * URL is known only once the port is.
 *
 * @see https://github.com/camaraproject/NumberVerification CAMARA Number Verification v2.1.0
 * @see https://www.rfc-editor.org/rfc/rfc9207 `iss` in the authorization response
 * @see https://www.rfc-editor.org/rfc/rfc7636 PKCE (required, S256)
 */
export async function startSandboxOperator(options: SandboxOptions): Promise<RunningSandbox> {
  const settings = resolveSandboxSettings(options);
  settings.logger.warn(BANNER);

  const server = createServer();
  const port = await listen(server, settings.port, settings.host);
  const issuer = `http://${settings.publicHost}:${port}`;
  const keys = await generateSigningKeys();
  const authentications = createOtpAuthentications(settings.lines.otpSms);
  try {
    const provider = createProvider(issuer, settings.clients, keys);
    // oidc-provider checks client metadata on first use; look every client up now to fail at start instead
    for (const { clientId } of settings.clients) await provider.Client.find(clientId);
    server.on('request', createSandboxApp({ issuer, provider, keys, settings, authentications }));
  } catch (error) {
    await close(server); // e.g. client metadata oidc-provider refuses: do not leave the port taken
    throw error;
  }
  settings.logger.info(`sandbox operator listening on ${settings.host}:${port}, issuer and CAMARA apiRoot ${issuer}, SIM picker ${issuer}/sim`);

  return {
    issuer,
    close: () => close(server),
    mintAccessToken: (claims) => mintAccessToken(keys, issuer, claims),
    sentSms: (phoneNumber) => authentications.sentTo(phoneNumber),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Closes the server, dropping kept-alive connections so that tests do not wait for them to time out. */
function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
