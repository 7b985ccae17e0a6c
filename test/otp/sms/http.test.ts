import { describe, it, expect, afterEach } from '@jest/globals';
import { HttpSmsProvider, type HttpSmsOptions } from '../../../src/otp/sms/http.js';
import { InvalidHttpSmsSettings } from '../../../src/otp/sms/http-template.js';
import { SmsProviderFailed } from '../../../src/otp/sms/provider.js';
import { formFields, startRecordingServer, type RecordingServer } from './recording-server.js';

const tricky = { to: '+34600000002', body: 'Say "hi" \\ 1+1 & co\n\n@example.com #123456' };
let server: RecordingServer | undefined;
afterEach(async () => server?.close());

function http(options: Partial<HttpSmsOptions> & { url: string }) {
  return new HttpSmsProvider({
    method: 'POST',
    contentType: 'JSON',
    payloadTemplate: '{"content": {{body}}, "to": {{mobile}}}',
    headers: '',
    timeoutMs: 2000,
    ...options,
  });
}

describe('HttpSmsProvider', () => {
  it('POSTs the seed\'s JSON template with values as JSON strings, quotes and newlines escaped', async () => {
    server = await startRecordingServer({ status: 200 });
    const result = await http({ url: `${server.baseUrl}/api/v1/sms` }).send(tricky);

    expect(result).toEqual({});
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/v1/sms');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ content: tricky.body, to: '+34600000002' });
  });

  it('fills placeholders written inside quotes with the escaped text only', async () => {
    server = await startRecordingServer({ status: 202 });
    await http({ url: server.baseUrl, payloadTemplate: '{"msg": "Code: {{body}}", "dest": "{{mobile}}", "x": "{{ not a placeholder \\" }}"}' }).send(tricky);
    expect(JSON.parse(server.requests[0].body)).toEqual({ msg: `Code: ${tricky.body}`, dest: '+34600000002', x: '{{ not a placeholder " }}' });
  });

  it('PUTs a FORM template with values percent-encoded, so "+" and "&" survive', async () => {
    server = await startRecordingServer({ status: 204 });
    await http({ url: `${server.baseUrl}/send`, method: 'PUT', contentType: 'FORM', payloadTemplate: 'to={{mobile}}&text={{body}}&flash=0' }).send(tricky);

    const [request] = server.requests;
    expect(request.method).toBe('PUT');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formFields(request.body)).toEqual({ to: '+34600000002', text: tricky.body, flash: '0' });
  });

  it('sends the static headers, and lets a configured Content-Type win', async () => {
    server = await startRecordingServer({ status: 200 });
    await http({
      url: server.baseUrl,
      headers: 'authorisation: qwer1234asdfzxcv, x-csrf: true, x-abc: some-value, Content-Type: application/vnd.sms+json',
    }).send(tricky);

    const { headers } = server.requests[0];
    expect(headers.authorisation).toBe('qwer1234asdfzxcv');
    expect(headers['x-csrf']).toBe('true');
    expect(headers['x-abc']).toBe('some-value');
    expect(headers['content-type']).toBe('application/vnd.sms+json');
  });

  it('fails on a 500, on a redirect (never followed) and on a timeout', async () => {
    server = await startRecordingServer((request) =>
      request.url === '/fail' ? { status: 500 } : request.url === '/moved' ? { status: 302 } : 'hang',
    );
    await expect(http({ url: `${server.baseUrl}/fail` }).send(tricky)).rejects.toThrow('http: HTTP 500');
    await expect(http({ url: `${server.baseUrl}/moved` }).send(tricky)).rejects.toThrow('http: HTTP 302');
    await expect(http({ url: `${server.baseUrl}/hang`, timeoutMs: 150 }).send(tricky)).rejects.toThrow(SmsProviderFailed);
    expect(server.requests.map((r) => r.url)).toEqual(['/fail', '/moved', '/hang']);
  });
});

describe('HttpSmsProvider settings are checked when it is built', () => {
  const url = 'https://sms.example.com/api';

  it('refuses a JSON template that is not JSON once filled in, and says why', () => {
    expect(() => http({ url, payloadTemplate: '{"content": {{body}}, "to": {{mobile}}' })).toThrow(/not valid JSON/);
    expect(() => http({ url, payloadTemplate: '{“content”: {{body}}, “to”: {{mobile}}}' })).toThrow(/typographic quotes/);
  });

  it('refuses a template without one of the placeholders', () => {
    expect(() => http({ url, payloadTemplate: '{"content": {{body}}}' })).toThrow(/no \{\{mobile\}\} placeholder/);
    expect(() => http({ url, contentType: 'FORM', payloadTemplate: 'to={{mobile}}' })).toThrow(/no \{\{body\}\} placeholder/);
  });

  it('refuses malformed, duplicated or framing headers without echoing their values', () => {
    const cases = ['authorization qwer1234', ': qwer1234', 'x-a: ', 'bad name: qwer1234', 'x-a: 1, X-A: 2', 'Host: qwer1234'];
    for (const headers of cases) {
      const error = (() => {
        try {
          http({ url, headers });
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(InvalidHttpSmsSettings);
      expect((error as InvalidHttpSmsSettings).setting).toBe('headers');
      expect((error as Error).message).not.toContain('qwer1234');
    }
  });

  it('accepts a trailing comma and an empty header setting', () => {
    expect(() => http({ url, headers: 'x-a: 1,' })).not.toThrow();
    expect(() => http({ url, headers: '' })).not.toThrow();
  });

  it('refuses a URL that is not absolute http(s)', () => {
    for (const bad of ['sms.example.com/api', 'ftp://sms.example.com', '']) {
      expect(() => http({ url: bad })).toThrow(InvalidHttpSmsSettings);
    }
  });
});
