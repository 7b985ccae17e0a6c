import { dpopProof, type DPoPKey } from './dpop.js';
import { OperatorFailure } from './failure.js';
import { ResponseTooLarge, type LeanHttp } from './lean-http.js';

export interface CamaraPost {
  accessToken: string;
  /** the DPoP key the token is bound to (RFC 9449): the call then carries a proof */
  dpop?: DPoPKey;
  body: Record<string, unknown>;
  correlator: string;
  timeoutMs: number;
}

/**
 * One JSON POST to a CAMARA API of the operator (SIM Swap, Number Recycling), through the operator client's
 * LeanHttp (bounded in time and size, no redirects), with the request's x-correlator.
 *
 * Rules:
 * - 200 with a JSON object → that object; anything else → OperatorFailure: a timeout `operator_timeout`, no
 *   connection, a 5xx or 429 `operator_unavailable`, any other status (403 not supported, 404 not found, 422 not
 *   applicable or identifier errors) `operator_error` with the operator's CAMARA `code` kept in `detail`.
 */
export async function postCamara(http: LeanHttp, url: string, input: CamaraPost): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'x-correlator': input.correlator };
  if (input.dpop) {
    headers.authorization = `DPoP ${input.accessToken}`;
    headers.dpop = await dpopProof(input.dpop, { method: 'POST', url, accessToken: input.accessToken });
  } else headers.authorization = `Bearer ${input.accessToken}`;

  let response;
  try {
    response = await http.request(url, { method: 'POST', headers, body: JSON.stringify(input.body), timeoutMs: input.timeoutMs });
  } catch (err) {
    if ((err as { name?: string }).name === 'TimeoutError') throw new OperatorFailure('operator_timeout', 'the operator did not answer in time', {}, { cause: err });
    if (err instanceof ResponseTooLarge) throw new OperatorFailure('operator_error', err.message, {}, { cause: err });
    throw new OperatorFailure('operator_unavailable', `cannot reach the operator (${(err as { code?: string }).code ?? 'network error'})`, {}, { cause: err });
  }
  const data = parseObject(response.body);
  if (response.status === 200 && data) return data;
  const detail = { status: response.status, operatorCode: data?.code !== undefined ? String(data.code) : `HTTP_${response.status}` };
  const reason = response.status >= 500 || response.status === 429 ? 'operator_unavailable' : 'operator_error';
  throw new OperatorFailure(reason, `the operator answered ${response.status} (${detail.operatorCode})`, detail);
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const data: unknown = JSON.parse(body.toString('utf8'));
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
