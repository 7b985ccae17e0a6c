import http from 'node:http';
import https from 'node:https';
import type { CustomFetch } from 'openid-client';

/** A discovery document, a JWKS, a token or a CAMARA answer is a few KiB; anything this large is not an operator's answer. */
export const MAX_OPERATOR_RESPONSE_BYTES = 256 * 1024;
/** below the 5 s keep-alive of most servers (Node's included), so we rarely reuse a socket the far end is closing */
const IDLE_SOCKET_MS = 4_000;

export interface LeanRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams | ArrayBuffer | null;
  /** the whole exchange, from connecting to the last byte of the answer */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface LeanResponse {
  status: number;
  statusText: string;
  /** as received: name, value, name, value, … */
  rawHeaders: string[];
  body: Buffer;
}

/** The answer was larger than the bound: the request is abandoned and its socket closed. */
export class ResponseTooLarge extends Error {
  readonly code = 'ERR_RESPONSE_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`the answer exceeds ${maxBytes} bytes`);
    this.name = 'ResponseTooLarge';
  }
}

/**
 * The HTTP client of every call to an operator: discovery, JWKS, token and Number Verification.
 *
 * Rules:
 * - one keep-alive pool per client; idle sockets close after 4 s;
 * - each call is bounded in time as a whole (`timeoutMs`, OPERATOR_TIMEOUT_MS): a timeout rejects with a
 *   `TimeoutError` DOMException, as `AbortSignal.timeout` does, and destroys the socket;
 * - redirects are never followed: a 3xx is returned as it is (an operator endpoint that redirects is broken
 *   or hostile, and the caller treats a 3xx as an error);
 * - an answer larger than `maxResponseBytes` (declared or streamed) rejects with ResponseTooLarge.
 *
 * Why not fetch or axios: undici's fetch costs ~1.2 ms of CPU per call on the benchmark machine and axios
 * ~0.7 ms, against ~0.2 ms for node:http (docs/performance.md).
 */
export class LeanHttp {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' }),
  };

  constructor(private readonly maxResponseBytes = MAX_OPERATOR_RESPONSE_BYTES) {}

  request(url: string, init: LeanRequest): Promise<LeanResponse> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') return reject(new TypeError(`unsupported protocol ${target.protocol}`));
      if (init.signal?.aborted) return reject(init.signal.reason);
      const payload = toBuffer(init.body);
      const headers: Record<string, string | number> = { ...init.headers };
      if (payload) headers['content-length'] = payload.length;
      if (init.body instanceof URLSearchParams && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';

      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(target, { method: init.method, headers, agent: this.agents[target.protocol] });
      let settled = false;
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: unknown) => {
        if (settled) return;
        finish();
        req.destroy();
        reject(err);
      };
      const onAbort = () => fail(init.signal!.reason);
      const timer = setTimeout(() => fail(new DOMException(`no answer within ${init.timeoutMs} ms`, 'TimeoutError')), init.timeoutMs);
      init.signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', fail);
      req.on('response', (res) => {
        if (Number(res.headers['content-length']) > this.maxResponseBytes) return fail(new ResponseTooLarge(this.maxResponseBytes));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) return fail(new ResponseTooLarge(this.maxResponseBytes));
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('the operator closed the connection before the end of its answer'));
        });
        res.on('end', () => {
          if (settled) return;
          finish();
          resolve({ status: res.statusCode!, statusText: res.statusMessage ?? '', rawHeaders: res.rawHeaders, body: Buffer.concat(chunks, size) });
        });
      });
      req.end(payload);
    });
  }

  /**
   * The same client as openid-client's `customFetch`: a WHATWG Response, network failures as
   * `TypeError('fetch failed', {cause})` and timeouts as a `TimeoutError`, as undici's fetch reports them, so
   * openid-client's error handling (and the fallback reasons derived from it) does not change.
   */
  fetchWithin(timeoutMs: number): CustomFetch {
    return async (url, options) => {
      if (options.body instanceof ReadableStream) throw new TypeError('streamed request bodies are not supported');
      let answer: LeanResponse;
      try {
        answer = await this.request(url, { method: options.method, headers: options.headers, body: options.body, signal: options.signal, timeoutMs });
      } catch (err) {
        if (err instanceof DOMException) throw err;
        throw new TypeError('fetch failed', { cause: err });
      }
      return toResponse(answer);
    };
  }

  /** Closes the pooled sockets (at shutdown; idle sockets do not keep the process alive anyway). */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toResponse(answer: LeanResponse): Response {
  const headers = new Headers();
  for (let i = 0; i < answer.rawHeaders.length; i += 2) headers.append(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
  // a Buffer is a Uint8Array: the Response reads it without a copy
  const body = NULL_BODY_STATUSES.has(answer.status) || answer.body.length === 0 ? null : (answer.body as Uint8Array as BodyInit);
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers });
}

function toBuffer(body: LeanRequest['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
