/**
 * Vonage (Nexmo) SMS API.
 * Form-encoded `api_key`, `api_secret`, `from`, `to` (digits only, no '+'), `text`, and `type=unicode` when
 * the text leaves the GSM 7-bit alphabet (Arabic, 'ó', …), otherwise Vonage mangles those characters.
 * A 200 answer lists each part's `status`: "0" is accepted, anything else failed with an `error-text`.
 * @see https://developer.vonage.com/en/api/sms
 * @see https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
 */
import { callGateway, parseJson, safeGatewayText } from './call-gateway.js';
import { SmsProviderFailed, type SmsMessage, type SmsProvider } from './provider.js';

export const VONAGE_BASE_URL = 'https://rest.nexmo.com';
const SEND_PATH = '/sms/json';

// GSM 03.38 default alphabet and its extension table (the extension characters cost two septets but are
// still plain text).
const GSM_7BIT = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

export interface VonageOptions {
  apiKey: string;
  apiSecret: string;
  /** a number (digits) or an alphanumeric sender id */
  from: string;
  baseUrl?: string;
  timeoutMs: number;
}

interface VonageAnswer {
  messages?: Array<{ status?: unknown; 'message-id'?: unknown; 'error-text'?: unknown }>;
}

export class VonageSmsProvider implements SmsProvider {
  readonly name = 'vonage';

  constructor(private readonly options: VonageOptions) {}

  async send(message: SmsMessage): Promise<{ messageId?: string }> {
    const form = new URLSearchParams({
      api_key: this.options.apiKey,
      api_secret: this.options.apiSecret,
      from: this.options.from,
      to: message.to.replace(/^\+/, ''),
      text: message.body,
    });
    if (!GSM_7BIT.test(message.body)) form.set('type', 'unicode');

    const answer = await callGateway(this.name, {
      method: 'POST',
      url: (this.options.baseUrl ?? VONAGE_BASE_URL).replace(/\/+$/, '') + SEND_PATH,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
      timeoutMs: this.options.timeoutMs,
    });
    if (answer.status < 200 || answer.status >= 300) {
      throw new SmsProviderFailed(this.name, `HTTP ${answer.status}`);
    }

    const parts = (parseJson(answer.text) as VonageAnswer | undefined)?.messages;
    if (!Array.isArray(parts) || parts.length === 0) throw new SmsProviderFailed(this.name, 'unreadable answer');
    // a long text is split in parts; the message is only sent if every part was accepted
    const failed = parts.find((part) => String(part?.status) !== '0');
    if (failed) {
      const text = safeGatewayText(failed['error-text']);
      throw new SmsProviderFailed(this.name, `status ${safeGatewayText(String(failed.status))}${text ? `: ${text}` : ''}`);
    }
    const id = parts[0]['message-id'];
    return { messageId: typeof id === 'string' ? id : undefined };
  }
}
