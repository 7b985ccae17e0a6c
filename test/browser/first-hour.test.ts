import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { DESKTOP, describeInChromium, MOBILE, browserPerTest } from './support/chromium.js';
import { codesInInbox, enterCode, pickSim, startVerification, text, wrongCode } from './support/pages.js';

const maybe = describeInChromium();
jest.setTimeout(90_000);

const SIM = '+34600000002';

// The sample pages as a newcomer lives them in the first hour (see first-hour-http.test.ts for the HTTP side).
maybe('the first hour with the sample pages', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({
      env: {
        OTP_MAX_ATTEMPTS: '1',
        // one code per number per hour: the second start hits the per-number limit
        SMS_LIMIT_PER_NUMBER: '1/3600',
        SMS_LIMIT_PER_IP: '100/3600',
        START_LIMIT_PER_NUMBER: '100/3600',
        WEBHOOK_POLL_MS: '100',
      },
    });
  });
  afterAll(() => broker?.close());

  const browser = browserPerTest(MOBILE);

  it('opened at http://localhost while PUBLIC_URL is 127.0.0.1, the page moves to PUBLIC_URL before any session starts', async () => {
    const { page } = browser;
    await page.goto(`${broker.url.replace('127.0.0.1', 'localhost')}/`);
    expect(new URL(page.url()).origin).toBe(broker.url);
  });

  it('an en-US browser typing a UK national number is told to pick the UK, and a +34 91 landline is refused', async () => {
    const { page } = browser;
    await page.goto(`${broker.url}/`);
    await page.waitForFunction(() => document.querySelector('#country option') !== null);
    expect(await page.getByLabel('Country calling code').inputValue()).toBe('US');

    await page.getByLabel('Mobile number').fill('07400 123456');
    await page.getByRole('button', { name: 'Verify number' }).click();
    expect(await text(page, '#phone-error')).toContain('United Kingdom');
    expect(page.url()).toBe(`${broker.url}/`);

    await page.getByLabel('Country calling code').selectOption('GB');
    await page.getByLabel('Mobile number').fill('07400 123456');
    expect(await text(page, '#country-hint')).toBe('United Kingdom · we will verify +447400123456');

    await page.getByLabel('Mobile number').fill('+34 91 555 00 00');
    await page.getByRole('button', { name: 'Verify number' }).click();
    expect(await text(page, '#phone-error')).toContain('cannot receive a text');
    expect(page.url()).toBe(`${broker.url}/`);
  });

  it('at 360 px the country box shows its whole label', async () => {
    const { page } = browser;
    await page.goto(`${broker.url}/`);
    await page.waitForFunction(() => document.querySelector('#country option') !== null);
    await page.getByLabel('Country calling code').selectOption('PT');
    const fits = await page.evaluate(() => {
      const select = document.querySelector('#country') as HTMLSelectElement;
      const style = getComputedStyle(select);
      const probe = document.createElement('span');
      probe.style.font = style.font;
      probe.style.whiteSpace = 'pre';
      probe.style.position = 'absolute';
      probe.textContent = select.selectedOptions[0].textContent;
      document.body.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { needed, room };
    });
    expect(fits.needed).toBeLessThanOrEqual(fits.room);
  });

  it('the SMS is in the language of the page, and the code page says why SMS was used', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000041', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    // the page fills it once it has read the verification
    await page.locator('#why-sms', { hasText: 'on WiFi' }).waitFor();
    expect(await text(page, '#why-sms')).toContain('on WiFi');
    await codesInInbox(page);
    expect(await text(page, '#inbox li.inbox-message .body')).toContain('your verification code');
  });

  it('with the number limit hit, the pages give the broker\'s reason and the wait it asked for', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000042', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    await startVerification(page, broker.url, '+34600000042', 'wifi');
    await page.locator('#message.error').waitFor();
    const said = await text(page, '#message');
    expect(said).toContain('Too many codes were sent to this number');
    expect(said).toContain('about 1 hour');
    expect(said).not.toContain('Wait a minute');
  });

  it('after "Verification blocked" the focus is on the title, not lost to the body', async () => {
    const { page } = browser;
    await startVerification(page, broker.url, '+34600000043', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    const [code] = await codesInInbox(page);
    await enterCode(page, wrongCode(code));
    await page.locator('#otp-title:has-text("Verification blocked")').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('otp-title');
  });

  it('an expired verification no longer offers Confirm or Resend', async () => {
    const { page } = browser;
    await page.clock.install();
    await startVerification(page, broker.url, '+34600000044', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    await page.getByRole('button', { name: 'Confirm' }).waitFor();
    await page.clock.fastForward('11:00');
    await page.locator('#otp-title:has-text("Verification expired")').waitFor();
    expect(await page.getByRole('button', { name: 'Confirm' }).isVisible()).toBe(false);
    expect(await page.locator('#resend').isVisible()).toBe(false);
  });

  it('the result page: a token without line breaks and a copy button, next steps, and it stops waiting for the webhook', async () => {
    await browser.page.setViewportSize(DESKTOP);
    const { page } = browser;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: broker.url });
    await pickSim(page, broker.sandbox!.issuer, SIM);
    await startVerification(page, broker.url, SIM, 'cellular');
    await page.waitForURL(/\/result\.html\?/);
    // no WEBHOOK_URL here: the timeline says so instead of waiting for a delivery that never comes
    await page.locator('#timeline li[data-event="webhook_not_sent"]').waitFor({ timeout: 10_000 });

    const raw = (await page.locator('#token-raw').textContent()) ?? '';
    expect(raw).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.locator('#copy-token-status:has-text("Copied")').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(raw);

    expect(await page.locator('#next-steps').isVisible()).toBe(true);
    expect(await text(page, '#jose-snippet')).toContain('jwtVerify');
    await page.getByRole('link', { name: 'the OpenAPI description, readable' }).click();
    await page.locator('#operations .record').first().waitFor();
    expect(await text(page, '#operations')).toContain('POST /v1/verifications');
  });

  it('on WiFi through the SIM picker, the result does not blame a refusal by the operator', async () => {
    const { page } = browser;
    await page.goto(`${broker.sandbox!.issuer}/sim`);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /^WiFi/ }).click()]);
    expect(await text(page, 'button[value="wifi"]')).toContain('chosen');
    await startVerification(page, broker.url, '+34600000045', 'cellular');
    await page.waitForURL(/\/otp\.html\?/);
    await page.locator('#send-code').waitFor();
    expect(await text(page, '#otp-lead')).toContain('did not recognise this device on its mobile network');
    expect(await text(page, '#otp-lead')).not.toContain('refused the check');
  });

  it('the SIM picker leads back to the sample, shows the chosen SIM, and comes first on a phone', async () => {
    const { page } = browser;
    await page.goto(`${broker.url}/`);
    const panelTop = await page.locator('#sandbox-panel').boundingBox();
    const formTop = await page.locator('#start').boundingBox();
    expect(panelTop!.y).toBeLessThan(formTop!.y);
    expect(await text(page, '#sandbox-panel')).toContain('No SIM (WiFi) means SMS');

    await page.getByRole('link', { name: "Choose this browser's SIM" }).click();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: `Cellular with SIM ${SIM}` }).click()]);
    expect(await page.locator(`button[value="${SIM}"]`).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('link', { name: 'Back to the sample' }).first().click();
    await page.waitForURL(`${broker.url}/`);
  });

  it('the developer page warns that WEBHOOK_URL is unset and replays a delivery', async () => {
    await browser.page.setViewportSize(DESKTOP);
    const { page } = browser;
    await page.goto(`${broker.url}/developer.html`);
    await page.locator('#webhook-banner').waitFor();
    expect(await text(page, '#webhook-banner')).toContain(`WEBHOOK_URL=${broker.url}/sandbox/webhooks`);
    const replay = page.locator('[data-replay]').first();
    await replay.waitFor();
    await replay.click();
    await page.locator('#message:has-text("Replayed")').waitFor();
  });
});
