// The sandbox's options with defaults applied, checked once at start: a bad option fails there, not
// halfway through a test's authorization flow.
import { isIP } from 'node:net';

import { normaliseAddress } from './device.js';
import { checkLines, type LineSettings } from './lines.js';
import type { FaultyEndpoint, SandboxClient, SandboxFaults, SandboxLogger, SandboxOptions } from './options.js';
import { isE164PhoneNumber } from './phone-number.js';

/** Options after defaults are applied and checked. */
export interface SandboxSettings {
  port: number;
  host: string;
  publicHost: string;
  clients: SandboxClient[];
  sims: ReadonlyMap<string, string>;
  faults: Required<Pick<SandboxFaults, 'endpoints'>> & Omit<SandboxFaults, 'endpoints'>;
  logger: SandboxLogger & Required<Pick<SandboxLogger, 'print'>>;
  lines: LineSettings;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_FAULTY_ENDPOINTS: FaultyEndpoint[] = ['verify', 'device-phone-number'];
const FAULTY_ENDPOINTS: readonly FaultyEndpoint[] = ['token', 'verify', 'device-phone-number', 'sim-swap', 'number-recycling', 'one-time-password-sms'];

/** Applies defaults and throws a `TypeError` naming the first bad option. */
export function resolveSandboxSettings(options: SandboxOptions): SandboxSettings {
  const host = options.host ?? DEFAULT_HOST;
  const sims = checkSims(options.sims);
  const logger: SandboxLogger = options.logger ?? console;
  return {
    port: checkPort(options.port),
    host,
    publicHost: options.publicHost ?? issuerHostFor(host),
    clients: checkClients(options.clients),
    sims,
    faults: checkFaults(options.faults ?? {}),
    // a given logger without `print` shows no SMS (tests read them with sentSms); the console default does
    logger: { warn: logger.warn.bind(logger), info: logger.info.bind(logger), print: logger.print?.bind(logger) ?? (logger === console ? console.log : () => {}) },
    lines: checkLines(options.lines ?? {}, sims.values(), new Date()),
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
    const invalid = client.redirectUris.find((uri) => !URL.canParse(uri));
    if (invalid !== undefined) throw new TypeError(`sandbox: client ${client.clientId} has an invalid redirect URI "${invalid}"`);
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
