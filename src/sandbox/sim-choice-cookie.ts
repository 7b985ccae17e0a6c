// The SIM picker's choice, kept in a cookie on the sandbox origin so a desktop browser can play a phone.
import type { IncomingMessage } from 'node:http';

import { isE164PhoneNumber } from './phone-number.js';

/** What a person chose on `/sim`: a SIM with this number, or a device on WiFi. */
export type SimChoice = { network: 'cellular'; phoneNumber: string } | { network: 'wifi' };

export const SIM_CHOICE_COOKIE = 'sandbox_sim';

const WIFI_VALUE = 'wifi';
const THIRTY_DAYS_IN_SECONDS = 30 * 24 * 60 * 60;

/** The choice in the request's cookie, or undefined when there is none or it does not parse. */
export function readSimChoice(req: IncomingMessage): SimChoice | undefined {
  const value = readCookie(req.headers.cookie ?? '', SIM_CHOICE_COOKIE);
  if (value === WIFI_VALUE) return { network: 'wifi' };
  if (isE164PhoneNumber(value)) return { network: 'cellular', phoneNumber: value };
  return undefined;
}

/**
 * Set-Cookie value for a choice; `undefined` clears it. HttpOnly because only the sandbox reads it;
 * SameSite=Lax so it still rides along when the relying party redirects the browser to `/auth`.
 */
export function simChoiceCookie(choice: SimChoice | undefined): string {
  const attributes = 'Path=/; HttpOnly; SameSite=Lax';
  if (choice === undefined) return `${SIM_CHOICE_COOKIE}=; ${attributes}; Max-Age=0`;
  const value = choice.network === 'wifi' ? WIFI_VALUE : encodeURIComponent(choice.phoneNumber);
  return `${SIM_CHOICE_COOKIE}=${value}; ${attributes}; Max-Age=${THIRTY_DAYS_IN_SECONDS}`;
}

function readCookie(header: string, name: string): string | undefined {
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === name) {
      try {
        return decodeURIComponent(pair.slice(separator + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
