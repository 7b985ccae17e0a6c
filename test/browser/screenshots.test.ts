import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { DESKTOP, hasChromium, MOBILE, openBrowser } from './support/chromium.js';
import { codesInInbox, pickSim, startVerification } from './support/pages.js';

// `npm run screenshots`: the four sample pages at phone and desktop widths, into docs/screenshots/ (shown in the
// README). Runs only when SCREENSHOTS names the folder, so the ordinary test run does not rewrite the docs.
const folder = process.env.SCREENSHOTS;
const maybe = hasChromium && folder ? describe : describe.skip;
jest.setTimeout(120_000);

const SIM = '+34600000002';

maybe('screenshots of the sample pages for the README', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ env: { WEBHOOK_POLL_MS: '100' } });
    mkdirSync(path.resolve(folder!), { recursive: true });
  });
  afterAll(() => broker?.close());

  async function shoot(page: Page, name: string): Promise<void> {
    // the clock and ids differ each run; the layout is what the pictures are for
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.resolve(folder!, `${name}.png`), fullPage: true });
  }

  it.each([['phone', MOBILE], ['desktop', DESKTOP]] as const)('the four pages at %s width', async (width, viewport) => {
    const browser = await openBrowser(viewport);
    try {
      const { page } = browser;
      await page.goto(`${broker.url}/`);
      await page.locator('#sims .chip').first().waitFor();
      await page.getByLabel('Country calling code').selectOption('ES');
      await page.getByLabel('Mobile number').fill('600 000 002');
      await shoot(page, `index-${width}`);

      await startVerification(page, broker.url, '+34600000051', 'wifi');
      await page.waitForURL(/\/otp\.html\?/);
      await codesInInbox(page);
      await shoot(page, `otp-${width}`);

      await pickSim(page, broker.sandbox!.issuer, SIM);
      await startVerification(page, broker.url, SIM, 'cellular');
      await page.waitForURL(/\/result\.html\?/);
      await page.locator('#timeline li[data-event^="webhook_"]').waitFor({ timeout: 10_000 });
      await shoot(page, `result-${width}`);

      await page.goto(`${broker.url}/developer.html`);
      await page.locator('#verifications .record').first().waitFor();
      await shoot(page, `developer-${width}`);
      expect(browser.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
