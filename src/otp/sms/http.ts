/**
 * A custom HTTP SMS gateway, configured like WSO2 Identity Server's "Custom" SMS provider: a URL, POST or
 * PUT, a JSON or FORM payload built from a template with `{{body}}` and `{{mobile}}`, static headers.
 * Any 2xx answer means accepted. Unlike the other providers the constructor checks its settings, because
 * a broken template is a configuration mistake that must stop the broker at start, not at the first SMS.
 * @see ./http-template.ts for the template and header rules
 */
import { callGateway } from './call-gateway.js';
import {
  checkGatewayUrl,
  checkPayloadTemplate,
  parseStaticHeaders,
  renderPayload,
  type HttpSmsContentType,
} from './http-template.js';
import { SmsProviderFailed, type SmsMessage, type SmsProvider } from './provider.js';

const CONTENT_TYPES: Readonly<Record<HttpSmsContentType, string>> = Object.freeze({
  JSON: 'application/json',
  FORM: 'application/x-www-form-urlencoded',
});

export interface HttpSmsOptions {
  url: string;
  method: 'POST' | 'PUT';
  contentType: HttpSmsContentType;
  payloadTemplate: string;
  /** `name: value, name: value`; a Content-Type given here replaces the one implied by `contentType` */
  headers?: string;
  timeoutMs: number;
}

export class HttpSmsProvider implements SmsProvider {
  readonly name = 'http';
  private readonly headers: Record<string, string>;

  /** @throws InvalidHttpSmsSettings naming the setting that cannot work */
  constructor(private readonly options: HttpSmsOptions) {
    checkGatewayUrl(options.url);
    checkPayloadTemplate(options.payloadTemplate, options.contentType);
    this.headers = parseStaticHeaders(options.headers);
  }

  private get hasOwnContentType(): boolean {
    return Object.keys(this.headers).some((name) => name.toLowerCase() === 'content-type');
  }

  async send(message: SmsMessage): Promise<{ messageId?: string }> {
    const { url, method, contentType, payloadTemplate, timeoutMs } = this.options;
    const answer = await callGateway(this.name, {
      method,
      url,
      headers: this.hasOwnContentType ? this.headers : { 'Content-Type': CONTENT_TYPES[contentType], ...this.headers },
      body: renderPayload(payloadTemplate, contentType, { body: message.body, mobile: message.to }),
      timeoutMs,
    });
    if (answer.status < 200 || answer.status >= 300) {
      throw new SmsProviderFailed(this.name, `HTTP ${answer.status}`);
    }
    return {};
  }
}
