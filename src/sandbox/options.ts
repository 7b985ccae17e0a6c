// The sandbox's public option types, their documented defaults, and the one place they are checked.
// A bad option fails at start, not halfway through a test's authorization flow.
import { isIP } from 'node:net';

import { normaliseAddress } from './device.js';
import { isE164PhoneNumber } from './phone-number.js';

/** A relying party registered at the sandbox. It authenticates with `private_key_jwt` only. */
export interface SandboxClient {
  clientId: string;
  /** Where the sandbox fetches the client's public keys to check its client assertions. */
  jwksUri: string;
  redirectUris: string[];
}

/** Endpoints fault injection can target. */
export type FaultyEndpoint = 'token' | 'verify' | 'device-phone-number';

export interface SandboxFaults {
  /** Wait this long before answering (the request is then handled normally unless `failStatus` is set). */
  delayMs?: number;
  /** Answer with this 5xx status and a CAMARA error body instead of handling the request. */
  failStatus?: number;
  /** Default: `['verify', 'device-phone-number']`. */
  endpoints?: FaultyEndpoint[];
}

export interface SandboxLogger {
  warn(msg: string): void;
  info(msg: string): void;
}

export interface SandboxOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /**
   * Listen address. Default `'127.0.0.1'`: on Linux a socket bound there also accepts connections whose
   * source is 127.0.0.2, 127.0.0.3…, which is how tests and developers play different SIMs.
   */
  host?: string;
  /**
   * Host name in the issuer URL. Default: the listen `host` (a wildcard listen address becomes the
   * loopback address). An IP literal rather than `localhost` avoids `localhost` resolving to `::1` while
   * the sandbox listens on IPv4 only.
   */
  publicHost?: string;
  clients: SandboxClient[];
  /** Device source address → the E.164 number of the SIM in it, e.g. `{ '127.0.0.2': '+34600000002' }`. */
  sims: Record<string, string>;
  faults?: SandboxFaults;
  /** Default: `console`. */
  logger?: SandboxLogger;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash; the Number Verification apiRoot is the same URL. */
  issuer: string;
  close(): Promise<void>;
  /** test aid: mint an access token as the NV API would accept it, e.g. with amr ['pwd'] or without a scope */
  mintAccessToken(claims: MintedAccessTokenClaims): Promise<string>;
}

export interface MintedAccessTokenClaims {
  phoneNumber: string;
  /** Space-separated, as in an OAuth `scope` claim. */
  scope: string;
  /** Default: `['nba']` (network-based authentication). */
  amr?: string[];
  /** Default: 3600. Negative values mint an already expired token. */
  expiresInSeconds?: number;
}

/** Options after defaults are applied and checked. */
export interface SandboxSettings {
  port: number;
  host: string;
  publicHost: string;
  clients: SandboxClient[];
  sims: ReadonlyMap<string, string>;
  faults: Required<Pick<SandboxFaults, 'endpoints'>> & Omit<SandboxFaults, 'endpoints'>;
  logger: SandboxLogger;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_FAULTY_ENDPOINTS: FaultyEndpoint[] = ['verify', 'device-phone-number'];
const FAULTY_ENDPOINTS: readonly FaultyEndpoint[] = ['token', 'verify', 'device-phone-number'];

/** Applies defaults and throws a `TypeError` naming the first bad option. */
export function resolveSandboxSettings(options: SandboxOptions): SandboxSettings {
  const host = options.host ?? DEFAULT_HOST;
  return {
    port: checkPort(options.port),
    host,
    publicHost: options.publicHost ?? issuerHostFor(host),
    clients: checkClients(options.clients),
    sims: checkSims(options.sims),
    faults: checkFaults(options.faults ?? {}),
    logger: options.logger ?? console,
  };
}

function issuerHostFor(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`sandbox: port must be an integer 0–65535, got ${port}`);
  }
  return port;
}

function checkClients(clients: SandboxClient[]): SandboxClient[] {
  for (const client of clients) {
    if (!client.clientId) throw new TypeError('sandbox: every client needs a clientId');
    if (!URL.canParse(client.jwksUri)) throw new TypeError(`sandbox: client ${client.clientId} has no valid jwksUri`);
    if (client.redirectUris.length === 0) throw new TypeError(`sandbox: client ${client.clientId} has no redirectUris`);
  }
  return clients;
}

function checkSims(sims: Record<string, string>): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (const [address, phoneNumber] of Object.entries(sims)) {
    if (isIP(normaliseAddress(address)) === 0) throw new TypeError(`sandbox: SIM address "${address}" is not an IP address`);
    if (!isE164PhoneNumber(phoneNumber)) throw new TypeError(`sandbox: SIM at ${address} needs an E.164 number like +34600000002`);
    table.set(normaliseAddress(address), phoneNumber);
  }
  return table;
}

function checkFaults(faults: SandboxFaults): SandboxSettings['faults'] {
  const { delayMs, failStatus, endpoints = DEFAULT_FAULTY_ENDPOINTS } = faults;
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new TypeError(`sandbox: faults.delayMs must be a non-negative number, got ${delayMs}`);
  }
  if (failStatus !== undefined && !(Number.isInteger(failStatus) && failStatus >= 500 && failStatus <= 599)) {
    throw new TypeError(`sandbox: faults.failStatus must be a 5xx status, got ${failStatus}`);
  }
  const unknown = endpoints.find((endpoint) => !FAULTY_ENDPOINTS.includes(endpoint));
  if (unknown) throw new TypeError(`sandbox: faults.endpoints has unknown endpoint "${unknown}"`);
  return { delayMs, failStatus, endpoints };
}
