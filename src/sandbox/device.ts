// Simulated network-based authentication: a real operator knows which SIM a mobile-data connection
// belongs to; the sandbox learns it from the connection's source address, or from the SIM picker's cookie.
import type { IncomingMessage } from 'node:http';

import { readSimChoice, type SimChoice } from './sim-choice-cookie.js';

/** How the network sees the device: on mobile data with a SIM, or on WiFi (not identifiable). */
export type Device = SimChoice;

/**
 * Identifies the device behind a request, afresh every time (the SIM may have changed since the last one).
 *
 * Rules:
 * - a choice made on the SIM picker (`sandbox_sim` cookie) wins: a desktop browser has no SIM address;
 * - otherwise the TCP source address is looked up in the SIM table; proxy headers are never trusted,
 *   since they are written by the client and the point is what the network itself sees;
 * - an address not in the table is a device on WiFi.
 *
 * @see https://github.com/camaraproject/NumberVerification (Network-Based Authentication)
 */
export function identifyDevice(req: IncomingMessage, sims: ReadonlyMap<string, string>): Device {
  return readSimChoice(req) ?? identifyDeviceByAddress(req.socket.remoteAddress, sims);
}

/** What the network alone makes of a connection from this source address. */
export function identifyDeviceByAddress(address: string | undefined, sims: ReadonlyMap<string, string>): Device {
  const phoneNumber = sims.get(normaliseAddress(address ?? ''));
  return phoneNumber ? { network: 'cellular', phoneNumber } : { network: 'wifi' };
}

/** A source address as Node reports it on a dual-stack socket (`::ffff:127.0.0.2`) → `127.0.0.2`. */
export function normaliseAddress(address: string): string {
  const ipv4Mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return ipv4Mapped ? ipv4Mapped[1] : address.toLowerCase();
}
