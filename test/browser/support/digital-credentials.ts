import type { BrowserContext } from 'playwright-core';

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

/**
 * How the stub wallet answers: a credential (its vp_token made from the request: a fixed presentation, or the one
 * `wallet` builds in the test process from the request, e.g. the sandbox's test wallet), or a DOMException by name.
 */
export type StubWallet =
  | { present: string }
  | { wallet: (request: DigitalCredentialRequest) => Promise<{ vp_token: Record<string, string[]> }> }
  | { reject: 'NotAllowedError' | 'AbortError' | 'NotSupportedError' };

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
  if ('wallet' in wallet) {
    await context.exposeFunction('__presentFromTestProcess', async (json: string) => JSON.stringify(await wallet.wallet(JSON.parse(json))));
  }
  type InPage = { present: string } | { fromTestProcess: true } | { reject: string };
  const inPage: InPage = 'wallet' in wallet ? { fromTestProcess: true } : wallet;
  await context.addInitScript((answer: InPage) => {
    const page = window as unknown as { __recordDigitalCredentialRequest(json: string): Promise<void>; __presentFromTestProcess(json: string): Promise<string> };
    const record = page.__recordDigitalCredentialRequest;
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
      if ('fromTestProcess' in answer) return new DigitalCredential(request.protocol, JSON.parse(await page.__presentFromTestProcess(JSON.stringify(request)))) as unknown as Credential;
      const id = request.data.dcql_query?.credentials?.[0]?.id ?? 'missing-credential-id';
      return new DigitalCredential(request.protocol, { vp_token: { [id]: [answer.present] } }) as unknown as Credential;
    };
  }, inPage);
}
