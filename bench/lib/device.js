// A phone on loopback: its requests leave from `localAddress` (the sandbox operator recognises the SIM by
// it), over keep-alive connections, with a cookie jar per host as a browser keeps one.
import http from 'node:http';

export class Device {
  constructor(localAddress) {
    this.localAddress = localAddress;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 4, localAddress });
    this.cookies = new Map();
  }

  /** A fresh session, as a new app install would have; the connections are kept. */
  forgetCookies() {
    this.cookies.clear();
  }

  request(method, url, { headers = {}, body, timeoutMs = 10000 } = {}) {
    const target = new URL(url);
    const sent = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (typeof body !== 'string') sent['content-type'] ??= 'application/json';
      sent['content-length'] = String(Buffer.byteLength(payload));
    }
    const jar = this.cookies.get(target.hostname);
    if (jar?.size) sent.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request(target, { method, headers: sent, agent: this.agent, localAddress: this.localAddress, timeout: timeoutMs }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          this.keepCookies(target.hostname, res.headers['set-cookie']);
          resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(url, headers) {
    return this.request('GET', url, { headers });
  }

  post(url, body, headers) {
    return this.request('POST', url, { body, headers });
  }

  close() {
    this.agent.destroy();
  }

  keepCookies(host, setCookie) {
    if (!setCookie) return;
    const jar = this.cookies.get(host) ?? new Map();
    for (const line of setCookie) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      // an expired or emptied cookie is a deletion
      if (value === '' || /;\s*expires=Thu, 01 Jan 1970/i.test(line) || /;\s*max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(host, jar);
  }
}
