/**
 * Twilio Programmable Messaging: create a Message resource.
 * Form-encoded `To`, `From` and/or `MessagingServiceSid`, `Body`; HTTP Basic auth with the Account SID and
 * Auth Token; 201 with the message's `sid`. Errors come back as `{code, message, status}`; only the numeric
 * code is kept because Twilio's messages quote the destination number.
 * @see https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */
import { callGateway, parseJson } from './call-gateway.js';
import { SmsProviderFailed, type SmsMessage, type SmsProvider } from './provider.js';

export const TWILIO_BASE_URL = 'https://api.twilio.com';
const messagesPath = (accountSid: string) => `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** a Twilio number or sender id; at least one of `from` and `messagingServiceSid` is needed */
  from?: string;
  /** a Messaging Service picks the sender itself; sent alongside `from` when both are set */
  messagingServiceSid?: string;
  baseUrl?: string;
  timeoutMs: number;
}

export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';

  constructor(private readonly options: TwilioOptions) {}

  async send(message: SmsMessage): Promise<{ messageId?: string }> {
    const { accountSid, authToken, from, messagingServiceSid, timeoutMs } = this.options;
    const form = new URLSearchParams({ To: message.to });
    if (from) form.set('From', from);
    if (messagingServiceSid) form.set('MessagingServiceSid', messagingServiceSid);
    form.set('Body', message.body);

    const answer = await callGateway(this.name, {
      method: 'POST',
      url: (this.options.baseUrl ?? TWILIO_BASE_URL).replace(/\/+$/, '') + messagesPath(accountSid),
      headers: {
        Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: form.toString(),
      timeoutMs,
    });

    const json = parseJson(answer.text) as { sid?: unknown; code?: unknown } | undefined;
    if (answer.status < 200 || answer.status >= 300) {
      const code = typeof json?.code === 'number' ? `, Twilio error ${json.code}` : '';
      throw new SmsProviderFailed(this.name, `HTTP ${answer.status}${code}`);
    }
    return { messageId: typeof json?.sid === 'string' ? json.sid : undefined };
  }
}
