import type { BrowserContext, Page } from 'playwright-core';

/** What the page hands to navigator.credentials.get({digital: {requests: [request]}}) (issue 18's contract). */
export interface DigitalCredentialRequest {
  protocol: string;
  data: {
    response_type: string;
    response_mode: string;
    nonce: string;
    dcql_query: { credentials: Array<{ id: string; format: string; meta: { vct_values: string[] } & Record<string, unknown>; claims?: unknown[] } & Record<string, unknown>> };
  } & Record<string, unknown>;
}

/** How the stub wallet answers: a credential (its vp_token made from the request), or a DOMException by name. */
export type StubWallet = { present: string } | { reject: 'NotAllowedError' | 'AbortError' | 'NotSupportedError' };

/**
 * Whether the broker under test answers the credential channel itself (issue 18, CORE's side): its OpenAPI
 * description has POST /v1/verifications/{id}/credential. Until it does, the tests stand in for the two answers
 * it lacks (standInForCredentialBroker); once it does, they run against the real broker, unchanged.
 */
export async function brokerHasCredentials(brokerUrl: string): Promise<boolean> {
  const res = await fetch(`${brokerUrl}/openapi.json`);
  const { paths } = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  return Boolean(paths['/v1/verifications/{id}/credential']?.post);
}

/** Chromium 141+ has the Digital Credentials API (headless too): take it away, as an older or other browser has. */
export async function removeDigitalCredentialsApi(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    delete (window as { DigitalCredential?: unknown }).DigitalCredential;
  });
}

/**
 * Stands in for the device's credential store: a `DigitalCredential` that speaks the broker's protocol and a
 * navigator.credentials.get that hands every request it gets to `seen` (the test's record, kept across page loads)
 * and then resolves, as Chrome does, with {protocol, data: {vp_token: {<credential id>: [presentation]}}}, or
 * rejects with the named DOMException. Requests without `digital` (passwords, passkeys) are not the page's.
 */
export async function installStubWallet(context: BrowserContext, wallet: StubWallet, seen: unknown[]): Promise<void> {
  await context.exposeFunction('__recordDigitalCredentialRequest', (json: string) => {
    seen.push(JSON.parse(json));
  });
  await context.addInitScript((answer: StubWallet) => {
    const record = (window as unknown as { __recordDigitalCredentialRequest(json: string): Promise<void> }).__recordDigitalCredentialRequest;
    class DigitalCredential {
      constructor(
        readonly protocol: string,
        readonly data: object,
      ) {}
      readonly type = 'digital';
      static userAgentAllowsProtocol(protocol: string): boolean {
        return protocol === 'openid4vp-v1-unsigned';
      }
    }
    Object.defineProperty(window, 'DigitalCredential', { value: DigitalCredential, configurable: true, writable: true });
    type DigitalOptions = { digital?: { requests: Array<{ protocol: string; data: { dcql_query?: { credentials?: Array<{ id: string }> } } }> } };
    CredentialsContainer.prototype.get = async function get(requested?: CredentialRequestOptions) {
      const options = requested as DigitalOptions | undefined;
      if (!options?.digital) throw new DOMException('The stub wallet only answers digital credential requests.', 'NotSupportedError');
      await record(JSON.stringify(options.digital.requests));
      if ('reject' in answer) throw new DOMException('The stub wallet was told to refuse.', answer.reject);
      const [request] = options.digital.requests;
      const id = request.data.dcql_query?.credentials?.[0]?.id ?? 'missing-credential-id';
      return new DigitalCredential(request.protocol, { vp_token: { [id]: [answer.present] } }) as unknown as Credential;
    };
  }, wallet);
}

/** The request the contract describes, for a stand-in start (the nonce is made up: nobody checks it here). */
export function contractRequest(phoneNumber: string): DigitalCredentialRequest {
  return {
    protocol: 'openid4vp-v1-unsigned',
    data: {
      response_type: 'vp_token',
      response_mode: 'dc_api',
      nonce: 'stand-in-nonce-0123456789abcdef',
      dcql_query: {
        credentials: [
          {
            id: 'aggregator1',
            format: 'dc-authorization+sd-jwt',
            meta: { vct_values: ['number-verification/verify/ts43'], credential_authorization_jwt: 'eyJhbGciOiJFUzI1NiJ9.stand-in.jwt' },
            claims: [{ path: ['phone_number_hint'], values: [phoneNumber] }],
          },
        ],
      },
    },
  };
}

/**
 * STAND-IN, to delete once the broker has the credential channel (brokerHasCredentials): answers what the broker
 * cannot yet answer, as the contract says, and nothing else.
 * - POST /v1/verifications with the digital_credential workflow: the real broker makes a real verification of the
 *   same session that waits for the page to ask for the SMS (GET /login on WiFi: fallback_required, nothing sent,
 *   as awaiting_credential leaves it), and the answer gains the contract's method, status and digitalCredentialRequest;
 * - POST /v1/verifications/{id}/credential: `credentialAnswer` (verified, or a refusal).
 */
export async function standInForCredentialBroker(page: Page, brokerUrl: string, credentialAnswer: { status: number; body: object }): Promise<void> {
  await page.route(`${brokerUrl}/v1/verifications`, async (route) => {
    const sent = route.request().postDataJSON() as { phoneNumber: string; workflow?: Array<{ channel: string }>; lang?: string };
    if (route.request().method() !== 'POST' || !sent.workflow?.some((step) => step.channel === 'digital_credential')) return route.continue();
    const login = `${brokerUrl}/login?${new URLSearchParams({ phoneNumber: sent.phoneNumber, network: 'wifi', ...(sent.lang && { lang: sent.lang }) })}`;
    const { 'content-type': _json, 'content-length': _length, ...headers } = route.request().headers();
    const real = await route.fetch({ url: login, method: 'GET', headers, postData: '' });
    const started = await real.json();
    if (!real.ok()) return route.fulfill({ response: real, json: started });
    await route.fulfill({
      response: real,
      status: 201,
      json: { ...started, method: 'digital_credential', status: 'awaiting_credential', digitalCredentialRequest: contractRequest(sent.phoneNumber) },
    });
  });
  await page.route(/\/v1\/verifications\/[^/]+\/credential$/, (route) => route.fulfill({ status: credentialAnswer.status, json: credentialAnswer.body }));
}
