import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { CLOSED_SMS_GATEWAY_ENV } from '../support/sms.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { describeInChromium, browserPerTest, screenshot } from './support/chromium.js';
import { removeDigitalCredentialsApi } from './support/digital-credentials.js';
import { text } from './support/pages.js';

const maybe = describeInChromium();
jest.setTimeout(60_000);

// Production: no sandbox operator, no inbox, no developer page; the pages must not offer them.
maybe('the sample frontend with the sandbox off', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sandbox: false, env: { SANDBOX: 'off', ...CLOSED_SMS_GATEWAY_ENV } });
  });
  afterAll(() => broker?.close());
  const browser = browserPerTest();

  it('shows no sandbox helpers, and checks the number before sending it', async () => {
    const { page } = browser;
    await page.goto(`${broker.url}/`);
    await page.waitForFunction(() => document.querySelector('#country option') !== null);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('.sandbox-bar').isVisible()).toBe(false);
    expect(await page.locator('#sandbox-panel').isVisible()).toBe(false);

    await page.getByLabel('Mobile number').fill('12');
    await page.getByRole('button', { name: 'Verify number' }).click();
    expect(await text(page, '#phone-error')).toContain('too short');
    expect(await page.getByLabel('Mobile number').getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toBe(`${broker.url}/`);
    await screenshot(page, 'no-sandbox-invalid-number');

    // a national number with the chosen country becomes E.164
    await page.getByLabel('Country calling code').selectOption('ES');
    await page.getByLabel('Mobile number').fill('600 000 031');
    expect(await text(page, '#country-hint')).toBe('Spain · we will verify +34600000031');
    expect(await page.getByLabel('Mobile number').getAttribute('aria-invalid')).toBeNull();
  });

  // issue 18, production without the Digital Credentials API: the page is as it was before, with no SIM button at all
  it('shows no SIM button in a browser without the Digital Credentials API', async () => {
    const { page, context } = browser;
    await removeDigitalCredentialsApi(context);
    await page.goto(`${broker.url}/`);
    await page.waitForFunction(() => document.querySelector('#country option') !== null);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('#sim-credential').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: /Verify with your SIM/ }).count()).toBe(0);
  });

  it('the developer page says it exists only with the sandbox', async () => {
    const { page } = browser;
    await page.goto(`${broker.url}/developer.html`);
    await page.locator('#message:has-text("Not available")').waitFor();
    expect(await page.locator('#dev').isVisible()).toBe(false);
  });
});
