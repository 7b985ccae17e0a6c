// A minimal browser on a phone: follows the sandbox's redirects by hand, keeps its cookies, and stops
// at the relying party's redirect_uri (nothing listens there; the test only needs the URL).
import { sendFromDevice } from './http.js';

export interface DeviceBrowser {
  /** Follows redirects from `url` until one leaves for `redirectUri`; returns that final URL. */
  authorize(url: URL, redirectUri: string): Promise<URL>;
  /** The cookies the browser holds now, e.g. to carry them to another network. */
  cookies(): Record<string, string>;
}

const MAX_REDIRECTS = 10;

/**
 * @param localAddress the device's source address, e.g. '127.0.0.2'
 * @param cookies cookies the browser already holds, e.g. `{ sandbox_sim: 'wifi' }`
 */
export function openDeviceBrowser(localAddress: string, cookies: Record<string, string> = {}): DeviceBrowser {
  const jar = new Map(Object.entries(cookies));
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

  return {
    cookies: () => Object.fromEntries(jar),
    async authorize(url, redirectUri) {
      let current = url;
      for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
        const response = await sendFromDevice(current, { localAddress, headers: { cookie: cookieHeader() } });
        for (const setCookie of [response.headers['set-cookie'] ?? []].flat()) storeCookie(jar, setCookie);
        const location = response.headers.location;
        if (typeof location !== 'string') {
          throw new Error(`expected a redirect from ${current.href}, got ${response.status}: ${response.body.slice(0, 300)}`);
        }
        current = new URL(location, current);
        if (current.href.startsWith(redirectUri)) return current;
      }
      throw new Error('too many redirects');
    },
  };
}

function storeCookie(jar: Map<string, string>, setCookie: string): void {
  const [pair, ...attributes] = setCookie.split(';');
  const separator = pair.indexOf('=');
  const name = pair.slice(0, separator).trim();
  const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
  if (expired) jar.delete(name);
  else jar.set(name, pair.slice(separator + 1).trim());
}
