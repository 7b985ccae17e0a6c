/**
 * The custom HTTP provider's settings, as WSO2 Identity Server spells them: a payload template with
 * `{{body}}` and `{{mobile}}`, and static headers written `name: value, name: value`.
 *
 * Rules:
 * - Substituted values are escaped for the content type, so a body with quotes, newlines, '&' or '+' cannot
 *   change the payload's structure:
 *   JSON: outside a string literal a placeholder becomes a JSON string (`{"to": {{mobile}}}`); inside one
 *   it becomes the escaped characters without quotes (`{"text": "Code: {{body}}"}`).
 *   FORM: the value is percent-encoded (`to={{mobile}}&text={{body}}`).
 * - A template must contain both placeholders, and a JSON template must be valid JSON once filled in.
 * - A header needs a token name, a colon and a non-empty value; values cannot contain commas (the format
 *   has no escape for them). Framing headers (Host, Content-Length, …) are ours to set.
 * - Problems are reported without quoting header values or the template, which may hold credentials.
 * @see WSO2 Identity Server, "Enable mobile number verification on update" → "Configuring a Custom Provider"
 */

export type HttpSmsContentType = 'JSON' | 'FORM';
export type HttpSmsSetting = 'url' | 'payloadTemplate' | 'headers';

/** A custom HTTP provider setting that cannot work; `setting` says which one. */
export class InvalidHttpSmsSettings extends Error {
  constructor(
    readonly setting: HttpSmsSetting,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidHttpSmsSettings';
  }
}

interface PayloadValues {
  body: string;
  mobile: string;
}

const PLACEHOLDER_AT = /^\{\{(body|mobile)\}\}/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FRAMING_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
// what a validating render fills in: every character JSON must escape, and the ones FORM must
const SAMPLE: PayloadValues = { body: 'a "quoted"\\ body\nwith & and + and ⏎', mobile: '+34600000002' };

/** The request body for `values`, each value escaped for `contentType`. */
export function renderPayload(template: string, contentType: HttpSmsContentType, values: PayloadValues): string {
  if (contentType === 'FORM') {
    return template.replace(/\{\{(body|mobile)\}\}/g, (_, name: keyof PayloadValues) => encodeURIComponent(values[name]));
  }
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (inString && ch === '\\') {
      i++; // the escaped character cannot open or close a string
    } else if (ch === '"') {
      inString = !inString;
    } else if (ch === '{') {
      const match = PLACEHOLDER_AT.exec(template.slice(i, i + 10));
      if (!match) continue;
      const literal = JSON.stringify(values[match[1] as keyof PayloadValues]);
      out += template.slice(copiedUpTo, i) + (inString ? literal.slice(1, -1) : literal);
      i += match[0].length - 1;
      copiedUpTo = i + 1;
    }
  }
  return out + template.slice(copiedUpTo);
}

/** Throws InvalidHttpSmsSettings when the template cannot produce a usable payload. */
export function checkPayloadTemplate(template: string, contentType: HttpSmsContentType): void {
  for (const placeholder of ['{{body}}', '{{mobile}}']) {
    if (!template.includes(placeholder)) {
      throw new InvalidHttpSmsSettings('payloadTemplate', `payload template has no ${placeholder} placeholder`);
    }
  }
  if (contentType !== 'JSON') return;
  try {
    JSON.parse(renderPayload(template, contentType, SAMPLE));
  } catch {
    const hint = /[“”]/.test(template) ? ' (it uses typographic quotes “ ”; use plain ")' : '';
    throw new InvalidHttpSmsSettings(
      'payloadTemplate',
      `payload template is not valid JSON once {{body}} and {{mobile}} are filled in${hint}; ` +
        'outside quotes a placeholder becomes a JSON string, inside quotes its escaped text',
    );
  }
}

/** `"authorization: abc, x-csrf: true"` → `{ authorization: 'abc', 'x-csrf': 'true' }`. */
export function parseStaticHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  const items = (text ?? '').split(',').map((item) => item.trim());
  items.forEach((item, index) => {
    if (item === '') return; // tolerate "a: b," and an empty setting
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    const value = colon > 0 ? item.slice(colon + 1).trim() : '';
    const which = `header ${index + 1}${HEADER_NAME.test(name) ? ` (${name})` : ''}`;
    if (!HEADER_NAME.test(name) || value === '') {
      throw new InvalidHttpSmsSettings('headers', `${which} is not written "name: value"`);
    }
    if (FRAMING_HEADERS.has(name.toLowerCase())) {
      throw new InvalidHttpSmsSettings('headers', `${which} is set by the HTTP client and cannot be configured`);
    }
    if (seen.has(name.toLowerCase())) throw new InvalidHttpSmsSettings('headers', `${which} is given twice`);
    seen.add(name.toLowerCase());
    headers[name] = value;
  });
  return headers;
}

/** Throws InvalidHttpSmsSettings unless `url` is an absolute http(s) URL. */
export function checkGatewayUrl(url: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new InvalidHttpSmsSettings('url', 'provider URL must be an absolute http(s) URL');
  }
}
