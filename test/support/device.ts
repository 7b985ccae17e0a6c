import http from 'node:http';

export interface DeviceResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  url: string;
  text: string;
  json<T = any>(): T;
}

/**
 * A phone (or browser) on loopback: requests leave from `localAddress` (the sandbox operator recognises
 * the SIM by it), cookies are kept per host like a browser would, and redirects can be followed by hand.
 */
export class Device {
  private readonly cookies = new Map<string, Map<string, string>>();

  constructor(readonly localAddress = '127.0.0.1') {}

  async request(method: string, url: string, options: { headers?: Record<string, string>; body?: string | object } = {}): Promise<DeviceResponse> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...options.headers };
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      if (typeof options.body !== 'string') headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const cookie = this.cookieHeader(target.host);
    if (cookie) headers.cookie = cookie;
    return new Promise((resolve, reject) => {
      const req = http.request(target, { method, headers, localAddress: this.localAddress }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          this.keepCookies(target.host, res.headers['set-cookie']);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, headers: res.headers, url, text, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers });
  }

  post(url: string, body?: string | object, headers?: Record<string, string>) {
    return this.request('POST', url, { body, headers });
  }

  /**
   * Follows redirects from `url` until `stop(url)` says the next location is for the caller to handle
   * (e.g. the broker's /callback), returning that location without requesting it.
   */
  async followUntil(url: string, stop: (next: URL) => boolean, max = 10): Promise<{ location: URL; hops: string[] }> {
    const hops: string[] = [];
    let current = url;
    for (let i = 0; i < max; i++) {
      const res = await this.get(current);
      hops.push(current);
      const location = res.headers.location;
      if (res.status < 300 || res.status >= 400 || !location) throw new Error(`expected a redirect from ${current}, got ${res.status}: ${res.text.slice(0, 200)}`);
      const next = new URL(location, current);
      if (stop(next)) return { location: next, hops };
      current = next.href;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private cookieHeader(host: string): string | undefined {
    const jar = this.cookies.get(host.split(':')[0]);
    return jar && jar.size ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  private keepCookies(host: string, setCookie: string[] | undefined): void {
    if (!setCookie) return;
    // cookies are per host, not per port, as in browsers
    const name = host.split(':')[0];
    const jar = this.cookies.get(name) ?? new Map<string, string>();
    for (const line of setCookie) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    this.cookies.set(name, jar);
  }
}
