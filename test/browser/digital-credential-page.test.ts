import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Page, Request } from 'playwright-core';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { browserPerTest, hasChromium, screenshot } from './support/chromium.js';
import { brokerHasCredentials, installStubWallet, removeDigitalCredentialsApi, standInForCredentialBroker, type DigitalCredentialRequest } from './support/digital-credentials.js';
import { codesInInbox, enterCode, startVerification, text } from './support/pages.js';

if (!hasChromium) {
  console.warn('Browser tests skipped: no chromium at /usr/bin/chromium. Install it with: apt-get update && apt-get install -y chromium');
}
const maybe = hasChromium ? describe : describe.skip;
jest.setTimeout(60_000);

const SIM_BUTTON = 'Verify with your SIM (no SMS)';
/** what the stub wallet presents: a made-up SD-JWT (issuer JWT ~ key-binding JWT), not one a broker can verify */
const PRESENTATION = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJUZWxlcGhvbnkifQ.c2ln~eyJhbGciOiJFUzI1NiJ9.eyJub25jZSI6Im4ifQ.c2ln';

// Issue 18: the sample page's "Verify with your SIM" button (the TS.43 credential over the W3C Digital Credentials
// API). Chromium has the API but no credential: a stub wallet, injected before the page's scripts, plays the device.
maybe('the sample page and the SIM credential (Digital Credentials API)', () => {
  let broker: TestBroker;
  /** false until the broker answers the credential channel itself: then the stand-in routes take its place */
  let realBroker: boolean;

  beforeAll(async () => {
    broker = await startTestBroker({ env: { SMS_LIMIT_PER_IP: '100/3600' } });
    realBroker = await brokerHasCredentials(broker.url);
    if (!realBroker) console.warn('digital-credential-page: the broker has no POST /v1/verifications/{id}/credential yet; its two answers are stood in for (support/digital-credentials.ts).');
  });
  afterAll(() => broker?.close());

  const browser = browserPerTest();

  /** Types the number and presses the SIM button; returns the start's answer and the POSTs to /credential (the first, when it comes). */
  async function verifyWithSim(page: Page, phoneNumber: string) {
    await page.goto(`${broker.url}/`);
    await page.getByLabel('Mobile number').fill(phoneNumber);
    const button = page.getByRole('button', { name: SIM_BUTTON });
    await button.waitFor();
    const credentialPosts: Request[] = [];
    const credentialPost = new Promise<Request>((resolve) =>
      page.on('request', (r) => {
        if (r.method() !== 'POST' || !/\/credential$/.test(r.url())) return;
        credentialPosts.push(r);
        resolve(r);
      }),
    );
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${broker.url}/v1/verifications`),
      button.click(),
    ]);
    return { started: (await started.json()) as { verificationId: string; digitalCredentialRequest: DigitalCredentialRequest }, credentialPost, credentialPosts };
  }

  /** otp.html after the credential: one line says why, and the SMS goes out on a click; the code verifies. */
  async function finishBySms(page: Page, phoneNumber: string, why: string) {
    await page.locator('#send-code').waitFor();
    expect(await text(page, '#otp-lead')).toContain(why);
    expect(await text(page, '#otp-lead')).toContain('We can text you a one-time code instead.');
    await page.click('#send-code');
    const [sent] = await codesInInbox(page);
    expect(await text(page, '#otp-lead')).toContain(phoneNumber);
    await enterCode(page, sent);
    await page.waitForURL(/\/result\.html\?/);
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await text(page, '#facts')).toContain('One-time code by SMS');
  }

  it('without the API (another browser, or an older one), there is no SIM button and WiFi still means an SMS code', async () => {
    const { page, context } = browser;
    await removeDigitalCredentialsApi(context);
    await page.goto(`${broker.url}/`);
    await page.waitForFunction(() => document.querySelector('#country option') !== null);
    expect(await page.evaluate(() => typeof (window as { DigitalCredential?: unknown }).DigitalCredential)).toBe('undefined');
    expect(await page.locator('#sim-credential').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: SIM_BUTTON }).count()).toBe(0);

    await startVerification(page, broker.url, '+34600000061', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    const [sent] = await codesInInbox(page);
    await enterCode(page, sent);
    await page.waitForURL(/\/result\.html\?/);
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await text(page, '#facts')).toContain('One-time code by SMS');
  });

  it("with the API, the SIM button hands the broker's request to the browser as it is and posts the credential's vp_token to /credential", async () => {
    const { page, context } = browser;
    const seen: unknown[] = [];
    await installStubWallet(context, { present: PRESENTATION }, seen);
    if (!realBroker) {
      await standInForCredentialBroker(page, broker.url, {
        status: 200,
        body: { status: 'verified', sessionToken: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln', verification: { status: 'verified', method: 'digital_credential' } },
      });
    }
    const phoneNumber = '+34600000062';
    await page.goto(`${broker.url}/`);
    expect(await page.locator('#sim-credential-hint').isVisible()).toBe(true);
    await screenshot(page, 'sim-credential-button');
    const { started, credentialPost } = await verifyWithSim(page, phoneNumber);

    // the page passed exactly the broker's request, as the one entry of digital.requests
    const request = started.digitalCredentialRequest;
    expect(seen).toEqual([[request]]);
    expect(request.protocol).toBe('openid4vp-v1-unsigned');
    expect(request.data.response_type).toBe('vp_token');
    expect(request.data.response_mode).toBe('dc_api');
    expect(request.data.nonce).toMatch(/^[\w-]{16,}$/);
    const [credential] = request.data.dcql_query.credentials;
    expect(credential.format).toBe('dc-authorization+sd-jwt');
    expect(credential.meta.vct_values).toEqual(expect.arrayContaining([expect.stringMatching(/^number-verification\/(verify|device-phone-number)\/ts43$/)]));
    expect(JSON.stringify(credential.claims)).toContain(phoneNumber);

    // and posted the credential's vp_token back, keyed by the request's credential id
    const posted = await credentialPost;
    expect(posted.url()).toBe(`${broker.url}/v1/verifications/${started.verificationId}/credential`);
    expect(posted.postDataJSON()).toEqual({ vp_token: { [credential.id]: [PRESENTATION] } });

    if (!realBroker) {
      // the stand-in answers "verified": the page goes to the result
      await page.waitForURL(new RegExp(`/result\\.html\\?verificationId=${started.verificationId}&status=verified$`));
    } else {
      // a made-up presentation: the real broker refuses it, and the page offers the SMS (a presentation the broker
      // accepts comes from the test wallet of the HTTP tests: test/http, issue 18)
      await page.waitForURL(/\/otp\.html\?.*credential=refused/);
    }
  });

  it('when the person closes the prompt (NotAllowedError), the page says so in one line and offers the SMS', async () => {
    const { page, context } = browser;
    const seen: unknown[] = [];
    await installStubWallet(context, { reject: 'NotAllowedError' }, seen);
    if (!realBroker) await standInForCredentialBroker(page, broker.url, { status: 500, body: { status: 500, code: 'INTERNAL', message: 'the page must not post after a refusal' } });
    const phoneNumber = '+34600000063';
    const { started, credentialPosts } = await verifyWithSim(page, phoneNumber);
    await page.waitForURL(/\/otp\.html\?.*credential=declined/);
    expect(seen).toEqual([[started.digitalCredentialRequest]]);
    await screenshot(page, 'sim-credential-declined');
    await finishBySms(page, phoneNumber, 'No SIM credential was shared: the prompt was closed, or this device has none.');
    // nothing was posted to /credential
    expect(credentialPosts).toEqual([]);
  });

  it('when the broker refuses the presentation, the page says so in one line and offers the SMS', async () => {
    const { page, context } = browser;
    await installStubWallet(context, { present: PRESENTATION }, []);
    if (!realBroker) await standInForCredentialBroker(page, broker.url, { status: 400, body: { status: 400, code: 'INVALID_ARGUMENT', message: 'The presentation is not valid.' } });
    const phoneNumber = '+34600000064';
    const { credentialPost } = await verifyWithSim(page, phoneNumber);
    await credentialPost;
    await page.waitForURL(/\/otp\.html\?.*credential=refused/);
    await finishBySms(page, phoneNumber, 'The SIM credential could not confirm this number');
  });
});
