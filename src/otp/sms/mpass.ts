/**
 * mPass Mobile Number Verification as an upstream: mPass generates the code, sends the SMS through its own
 * gateway and checks the code, so the broker stores no code when it uses mPass.
 *
 *   send:   GET {baseUrl}/mpass-web/rest/mv/msg?apikey=…&dest=…&lang=…[&app=…]
 *   verify: GET {baseUrl}/mpass-web/rest/mv/verify?apikey=…&dest=…&otp=…[&app=…]
 *   answer: {"description":"Accept","status":"0"}  (status is a string)
 *
 * Rules:
 * - `dest` is the number in E.164 with its '+' (percent-encoded, `%2B34600000002`): the document does not
 *   fix a format and E.164 is the only unambiguous one.
 * - `lang` is `ar_SA` for Arabic and `en_US` for everything else: those are the only values the document
 *   lists, and an unknown one could be refused as invalid data.
 * - `app` is sent only when given, on both calls, as the document asks.
 * - Every documented status maps to an outcome; an HTTP error, an unknown status, an unreadable answer, a
 *   network error or a timeout throws SmsProviderFailed. The API key travels in the query string, so no
 *   URL ever goes into an error.
 * @see mPass "Mobile Number Verification Service" guide, 5.1.1 Send SMS and 5.1.2 Verify OTP
 */
import { callGateway, parseJson, safeGatewayText } from './call-gateway.js';
import { SmsProviderFailed } from './provider.js';
import type { Lang } from '../language.js';

const SEND_PATH = '/mpass-web/rest/mv/msg';
const VERIFY_PATH = '/mpass-web/rest/mv/verify';

export type MpassOutcome = 'accepted' | 'invalid_data' | 'access_denied' | 'rejected' | 'expired' | 'internal_error';

const OUTCOMES: ReadonlyMap<string, MpassOutcome> = new Map([
  ['0', 'accepted'],
  ['1', 'invalid_data'],
  ['2', 'access_denied'],
  ['3', 'rejected'],
  ['4', 'expired'],
  ['100', 'internal_error'],
]);

export type MpassLang = 'en_US' | 'ar_SA';
const MPASS_LANGUAGES: Readonly<Record<Lang, MpassLang>> = Object.freeze({
  en: 'en_US',
  es: 'en_US',
  fr: 'en_US',
  de: 'en_US',
  pt: 'en_US',
  ar: 'ar_SA',
});

export interface MpassOptions {
  /** scheme and host, e.g. https://mpass.example.com */
  baseUrl: string;
  /** the channel key issued by the mPass administrator */
  apiKey: string;
  timeoutMs: number;
}

export class MpassUpstream {
  readonly name = 'mpass';

  constructor(private readonly options: MpassOptions) {}

  /** Asks mPass to generate a code and send it to `to` (E.164). */
  async sendCode(input: { to: string; lang: Lang; app?: string }): Promise<MpassOutcome> {
    const query = new URLSearchParams({ apikey: this.options.apiKey, dest: input.to, lang: MPASS_LANGUAGES[input.lang] });
    if (input.app) query.set('app', input.app);
    return this.call(SEND_PATH, query);
  }

  /** Asks mPass whether `code` is the code it sent to `to`. */
  async checkCode(input: { to: string; code: string; app?: string }): Promise<MpassOutcome> {
    const query = new URLSearchParams({ apikey: this.options.apiKey, dest: input.to, otp: input.code });
    if (input.app) query.set('app', input.app);
    return this.call(VERIFY_PATH, query);
  }

  private async call(path: string, query: URLSearchParams): Promise<MpassOutcome> {
    const answer = await callGateway(this.name, {
      method: 'GET',
      url: `${this.options.baseUrl.replace(/\/+$/, '')}${path}?${query}`,
      headers: { Accept: 'application/json' },
      timeoutMs: this.options.timeoutMs,
    });
    if (answer.status < 200 || answer.status >= 300) {
      throw new SmsProviderFailed(this.name, `HTTP ${answer.status}`);
    }
    const status = (parseJson(answer.text) as { status?: unknown } | undefined)?.status;
    const outcome = typeof status === 'string' || typeof status === 'number' ? OUTCOMES.get(String(status)) : undefined;
    if (!outcome) throw new SmsProviderFailed(this.name, `unreadable answer (status ${safeGatewayText(String(status))})`);
    return outcome;
  }
}
