/**
 * One HTTP exchange with an SMS gateway, shared by the providers so each of them only describes its wire
 * format.
 *
 * Rules:
 * - Never follow redirects (a redirect would resend credentials somewhere else) and never trust a status:
 *   the caller reads the status and the body itself.
 * - Two deadlines: axios's `timeout` (no answer in time) and an abort signal for the whole exchange, so a
 *   gateway that trickles bytes cannot hold a verification open either.
 * - Answers are read as text, at most 64 KiB, and parsed by the caller.
 * - Errors are rebuilt from the error code alone: an axios error carries the request (URL, headers, body),
 *   which holds credentials, the phone number and the code.
 */
import axios, { type Method } from 'axios';
import { SmsProviderFailed } from './provider.js';

const MAX_ANSWER_BYTES = 64 * 1024;

export interface GatewayRequest {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  /** sent exactly as given */
  body?: string;
  timeoutMs: number;
}

export interface GatewayAnswer {
  status: number;
  text: string;
}

export async function callGateway(provider: string, request: GatewayRequest): Promise<GatewayAnswer> {
  try {
    const response = await axios.request<string>({
      method: request.method,
      url: request.url,
      headers: request.headers,
      data: request.body,
      timeout: request.timeoutMs,
      signal: AbortSignal.timeout(request.timeoutMs),
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      // the body is already encoded for its content type; axios must not re-encode it
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_ANSWER_BYTES,
    });
    return { status: response.status, text: typeof response.data === 'string' ? response.data : '' };
  } catch (err) {
    throw new SmsProviderFailed(provider, describeTransportError(err));
  }
}

/** The parsed JSON answer, or undefined when the answer is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Text a gateway wrote, made fit for an error message: one line, at most 120 characters, and runs of six or
 * more digits (a phone number, a code) replaced, because gateways like to echo the destination back.
 */
export function safeGatewayText(text: unknown): string {
  if (typeof text !== 'string') return '';
  return text.replace(/\s+/g, ' ').replace(/\+?[0-9][0-9 ]{4,}[0-9]/g, '…').trim().slice(0, 120);
}

function describeTransportError(err: unknown): string {
  const code = axios.isAxiosError(err) ? err.code : undefined;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') return 'no answer in time';
  return `request failed${code ? ` (${code})` : ''}`;
}
