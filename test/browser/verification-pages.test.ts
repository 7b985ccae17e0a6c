import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { DESKTOP, describeInChromium, MOBILE, browserPerTest, screenshot } from './support/chromium.js';
import { codesInInbox, enterCode, pickSim, startVerification, text, timeline, verifyWithSmsCode, wrongCode } from './support/pages.js';

const maybe = describeInChromium();
// a browser start and a few page loads per scenario; slow CI machines need more than the default
jest.setTimeout(60_000);

const SIM = '+34600000002';
const OTHER_SIM = '+34600000003';

maybe('the sample frontend in a real browser', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({
      env: {
        // short enough to watch the resend countdown run out, few attempts to reach "blocked" quickly
        OTP_RESEND_COOLDOWN_SECONDS: '3',
        OTP_MAX_ATTEMPTS: '3',
        SMS_LIMIT_PER_IP: '100/3600',
      },
    });
  });
  afterAll(() => broker?.close());

  const browser = browserPerTest(MOBILE);

  it('verifies silently when the SIM in the browser has the number typed', async () => {
    await browser.page.setViewportSize(DESKTOP);
    const { page } = browser;
    await pickSim(page, broker.sandbox!.issuer, SIM);
    await startVerification(page, broker.url, SIM, 'cellular');

    await page.waitForURL(/\/result\.html\?/);
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await text(page, '#outcome-title')).toBe('Number verified');
    expect(await text(page, '#facts')).toContain('Silent verification by your mobile operator');
    expect(await text(page, '#facts')).toContain('+3460*****02');
    expect((await timeline(page)).slice(0, 6)).toEqual(['created', 'operator_redirect', 'callback_received', 'token_exchanged', 'number_checked', 'verified']);
    // the session token, decoded for the developer
    const claims = await page.locator('#claims th').allTextContents();
    expect(claims).toEqual(expect.arrayContaining(['iss', 'exp', 'iat']));
    expect(await text(page, '#claims')).toContain(broker.url);
    await screenshot(page, 'silent-success-desktop');
  });

  it('on WiFi, sends a code by SMS; the code from the sandbox inbox verifies the number', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000011', 'wifi');

    await page.waitForURL(/\/otp\.html\?/);
    const code = page.getByLabel('One-time code');
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await code.getAttribute('inputmode')).toBe('numeric');
    expect(await text(page, '#otp-lead')).toContain('+34600000011');
    expect(await text(page, '#attempts')).toBe('3 attempts left');
    const [sent] = await codesInInbox(page);
    await screenshot(page, 'wifi-otp-with-inbox');

    await verifyWithSmsCode(page, sent);
    expect(await text(page, '#outcome-title')).toBe('Number verified');
    expect(await timeline(page)).toEqual(expect.arrayContaining(['created', 'fallback_required', 'otp_sent', 'code_checked', 'verified']));
    expect(await text(page, '#timeline')).toContain('because the device is on WiFi');
    expect(await page.locator('#token-card').isVisible()).toBe(true);
    await screenshot(page, 'wifi-verified-result');
  });

  it('says a wrong code is wrong and how many attempts are left; then the right code verifies', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000012', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    const [sent] = await codesInInbox(page);

    await enterCode(page, wrongCode(sent));
    await page.locator('#code-error:has-text("not right")').waitFor();
    expect(await text(page, '#code-error')).toBe('That code is not right. 2 attempts left.');
    expect(await text(page, '#attempts')).toBe('2 attempts left');
    expect(await page.getByLabel('One-time code').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'wrong-code');

    await enterCode(page, sent);
    await page.waitForURL(/\/result\.html\?/);
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await text(page, '#outcome-title')).toBe('Number verified');
    const checks = await page.locator('#timeline li[data-event="code_checked"] .what').allTextContents();
    expect(checks).toEqual(['Code checked: wrong code', 'Code checked: correct']);
  });

  it('counts down before a resend is allowed; the resent code verifies', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000013', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    await codesInInbox(page);

    const resend = page.locator('#resend');
    expect(await resend.isDisabled()).toBe(true);
    expect(await resend.textContent()).toMatch(/^Resend code in 0:0[1-3]$/);
    await screenshot(page, 'resend-countdown');

    await page.waitForFunction(() => !(document.querySelector('#resend') as HTMLButtonElement).disabled, undefined, { timeout: 6000 });
    expect(await resend.textContent()).toBe('Resend code');
    await resend.click();
    await page.locator('#resend-status:has-text("We sent a new code")').waitFor();
    expect(await text(page, '#resend-status')).toContain('(3 more can be sent)');
    // the countdown starts again
    expect(await resend.isDisabled()).toBe(true);
    expect(await resend.textContent()).toMatch(/^Resend code in 0:0[1-3]$/);

    const [newest] = await codesInInbox(page, 2);
    await page.getByRole('button', { name: 'Use this code' }).click();
    expect(await page.getByLabel('One-time code').inputValue()).toBe(newest);
    await screenshot(page, 'resent-code');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/result\.html\?/);
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await page.locator('#timeline li[data-event="otp_sent"]').count()).toBe(2);
  });

  it('a browser that opens a verification started elsewhere shows the completion code to hand over, and is not verified itself', async () => {
    const { page } = browser;
    await pickSim(page, broker.sandbox!.issuer, SIM);
    const starter = broker.device('127.0.0.1'); // e.g. the app's own HTTP client, or someone relaying the link
    const started = (await starter.get(`${broker.url}/login?phoneNumber=${encodeURIComponent(SIM)}`)).json();
    await page.goto(started.authUrl);
    await page.waitForURL(/\/result\.html\?/);
    await page.locator('#completion-code').waitFor();
    expect(await text(page, '#outcome-title')).toBe('Verified on this device: finish where you started');
    const code = await text(page, '#completion-code');
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await starter.get(`${broker.url}/v1/verifications/${started.verificationId}`)).json()).toMatchObject({ status: 'awaiting_completion' });
    const done = await starter.post(`${broker.url}/v1/verifications/${started.verificationId}/code`, { code });
    expect(done.json()).toMatchObject({ status: 'verified', sessionToken: expect.stringMatching(/^ey/) });
  });

  it('when the SIM in the browser has another number, falls back to an SMS code', async () => {
    const { page } = browser;
    await pickSim(page, broker.sandbox!.issuer, OTHER_SIM);
    await startVerification(page, broker.url, '+34600000014', 'cellular');

    await page.waitForURL(/\/otp\.html\?/);
    // the callback sent no SMS: the page says why a code is needed and sends it on a click
    await page.locator('#send-code').waitFor();
    expect(await text(page, '#otp-lead')).toContain('the SIM in this device has another number');
    expect((await page.request.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000014`)).ok()).toBe(true);
    expect((await (await page.request.get(`${broker.url}/sandbox/inbox?phoneNumber=%2B34600000014`)).json()).messages).toHaveLength(0);
    await page.click('#send-code');
    const [sent] = await codesInInbox(page);
    await screenshot(page, 'sim-mismatch-otp');
    await verifyWithSmsCode(page, sent);
    expect(await text(page, '#facts')).toContain('Why SMSthe SIM in this device has another number');
    const events = await timeline(page);
    expect(events.slice(0, 7)).toEqual(['created', 'operator_redirect', 'callback_received', 'token_exchanged', 'number_checked', 'fallback_required', 'otp_sent']);
    expect(await text(page, '#timeline')).toContain('Operator: the SIM has another number');
    await screenshot(page, 'sim-mismatch-result');
  });

  it('after the last wrong code, says the verification is blocked and offers to start again', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000015', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    const [sent] = await codesInInbox(page);
    for (const left of ['2 attempts left', '1 attempt left']) {
      await enterCode(page, wrongCode(sent));
      await page.locator(`#code-error:has-text("${left}")`).waitFor();
    }
    await enterCode(page, wrongCode(sent));
    await page.locator('#otp-title:has-text("Verification blocked")').waitFor();
    expect(await text(page, '#message')).toContain('it was the last attempt: this verification is blocked');
    expect(await page.locator('#code-form').isHidden()).toBe(true);
    expect(await page.getByRole('link', { name: 'Start again' }).isVisible()).toBe(true);
    await screenshot(page, 'blocked');

    // coming back to the page later says the same
    await page.reload();
    await page.locator('#otp-title:has-text("Verification blocked")').waitFor();
    expect(await text(page, '#message')).toBe('Too many wrong codes were entered, so this verification is blocked.');
  });

  it('the developer page lists the verifications with masked numbers and the webhook deliveries', async () => {
    await browser.page.setViewportSize(DESKTOP);
    const { page } = browser;
    await page.goto(`${broker.url}/developer.html`);
    await page.locator('#verifications li.record').first().waitFor();
    expect(await page.locator('#verifications li.record').count()).toBeGreaterThanOrEqual(6);
    const verifications = await text(page, '#verifications');
    expect(verifications).toContain('+3460*****11');
    expect(verifications).toContain('Operator: the SIM has another number');
    await page.locator('#deliveries li.record').first().waitFor();
    const deliveries = await text(page, '#deliveries');
    expect(deliveries).toContain('verification.succeeded');
    expect(deliveries).toContain('"phoneNumber": "+3460*****11"');
    // the numbers people typed appear nowhere in full
    expect(verifications + deliveries).not.toMatch(/\+346000000\d\d\b/);
    await screenshot(page, 'developer-page');
  });

  it("the broker's logs hold none of the numbers typed, nor the codes beyond the sandbox's own SMS print", async () => {
    const numbers = [SIM, '+34600000011', '+34600000012', '+34600000013', '+34600000014', '+34600000015'];
    const codes: string[] = [];
    for (const number of numbers) {
      const { messages } = (await broker.device().get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(number)}`)).json();
      for (const m of messages) codes.push(/#(\d+)\s*$/.exec(m.body)![1]);
    }
    expect(codes.length).toBeGreaterThanOrEqual(6);
    expect(broker.logs.length).toBeGreaterThan(0);
    // a code is 6 digits: match it as a whole number, not inside a timestamp
    const holds = (line: string, secret: string) => new RegExp(`(^|[^\\d])${secret.replace('+', '\\+')}($|[^\\d])`).test(line);
    expect(broker.logs.filter((line) => numbers.some((n) => holds(line, n)))).toEqual([]);
    // SANDBOX_SHOW_CODES (on in the sandbox) has the console SMS provider print each text, code included, by design
    const smsPrint = /\[sms console\] to \+\d{4}\*+\d\d /;
    expect(broker.logs.filter((line) => !smsPrint.test(line) && codes.some((c) => holds(line, c)))).toEqual([]);
  });
});
