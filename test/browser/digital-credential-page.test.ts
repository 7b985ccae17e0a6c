import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import type { Page, Request } from 'playwright-core';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { presentTs43Credential } from '../support/ts43-wallet.js';
import { browserPerTest, describeInChromium, screenshot } from './support/chromium.js';
import { installStubWallet, removeDigitalCredentialsApi, type DigitalCredentialRequest } from './support/digital-credentials.js';
import { codesInInbox, startVerification, text, verifyWithSmsCode } from './support/pages.js';

const maybe = describeInChromium();
jest.setTimeout(60_000);

const SIM_BUTTON = 'Verify with your SIM (no SMS)';
const DEMO_BUTTON = 'Verify with your SIM (sandbox test wallet, no SMS)';
/** what the stub wallet presents where the broker must refuse: a made-up SD-JWT (issuer JWT ~ key-binding JWT) */
const PRESENTATION = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJUZWxlcGhvbnkifQ.c2ln~eyJhbGciOiJFUzI1NiJ9.eyJub25jZSI6Im4ifQ.c2ln';

// Issue 18: the sample page's "Verify with your SIM" button (the TS.43 credential over the W3C Digital Credentials
// API). Chromium has the API but no credential: a stub wallet, injected before the page's scripts, plays the device.
// Without the API, the sandbox offers its demo: its test wallet (POST /sandbox/wallet) stands in for the browser.
maybe('the sample page and the SIM credential (Digital Credentials API)', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ env: { SMS_LIMIT_PER_IP: '100/3600' } });
  });
  afterAll(() => broker?.close());

  const browser = browserPerTest();
  const smsFor = async (phoneNumber: string) =>
    ((await (await fetch(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`)).json()) as { messages: unknown[] }).messages;

  /** Types the number and presses the SIM button; returns the start's answer and the POSTs to /credential (the first, when it comes). */
  async function verifyWithSim(page: Page, phoneNumber: string, buttonName = SIM_BUTTON) {
    await page.goto(`${broker.url}/`);
    await page.getByLabel('Mobile number').fill(phoneNumber);
    const button = page.getByRole('button', { name: buttonName, exact: true });
    await button.waitFor();
    const credentialPosts: Request[] = [];
    const credentialPost = new Promise<Request>((resolve) =>
      page.on('request', (r) => {
        if (r.method() !== 'POST' || !/\/credential$/.test(r.url())) return;
        credentialPosts.push(r);
        resolve(r);
      }),
    );
    // the start's answer is read as it passes (the page may navigate away before a response body could be read back)
    let answered!: (body: unknown) => void;
    const startAnswer = new Promise<unknown>((resolve) => (answered = resolve));
    await page.route(`${broker.url}/v1/verifications`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      answered(await response.json());
      await route.fulfill({ response });
    });
    const [started] = await Promise.all([startAnswer, button.click()]);
    return { started: started as { verificationId: string; digitalCredentialRequest: DigitalCredentialRequest }, credentialPost, credentialPosts };
  }

  /** otp.html after the credential: one line says why, and the SMS goes out on a click; the code verifies. */
  async function finishBySms(page: Page, phoneNumber: string, why: string) {
    await page.locator('#send-code').waitFor();
    expect(await text(page, '#otp-lead')).toContain(why);
    expect(await text(page, '#otp-lead')).toContain('We can text you a one-time code instead.');
    await page.click('#send-code');
    const [sent] = await codesInInbox(page);
    expect(await text(page, '#otp-lead')).toContain(phoneNumber);
    await verifyWithSmsCode(page, sent);
  }

  it("without the API (another browser, or an older one), the only SIM button is the sandbox's demo, and WiFi still means an SMS code", async () => {
    const { page, context } = browser;
    await removeDigitalCredentialsApi(context);
    await page.goto(`${broker.url}/`);
    await page.waitForFunction(() => document.querySelector('#country option') !== null);
    expect(await page.evaluate(() => typeof (window as { DigitalCredential?: unknown }).DigitalCredential)).toBe('undefined');
    await page.getByRole('button', { name: DEMO_BUTTON, exact: true }).waitFor();
    expect(await page.getByRole('button', { name: SIM_BUTTON, exact: true }).count()).toBe(0);
    expect(await text(page, '#sim-credential-hint')).toContain("the sandbox's test wallet");

    await startVerification(page, broker.url, '+34600000061', 'wifi');
    await page.waitForURL(/\/otp\.html\?/);
    const [sent] = await codesInInbox(page);
    await verifyWithSmsCode(page, sent);
  });

  it("with the API, the SIM button hands the broker's request to the browser as it is, posts the credential's vp_token to /credential, and is verified", async () => {
    const { page, context } = browser;
    const seen: unknown[] = [];
    // the device answers with what the sandbox's test wallet presents for this SIM, to the page's origin
    const phoneNumber = '+34600000003'; // a sandbox SIM
    const presented: Array<Record<string, string[]>> = [];
    const wallet = async (request: DigitalCredentialRequest) => {
      const answer = await presentTs43Credential(request as never, { simNumber: phoneNumber, origin: new URL(broker.url).origin });
      presented.push(answer.vp_token);
      return answer;
    };
    await installStubWallet(context, { wallet }, seen);
    await page.goto(`${broker.url}/`);
    expect(await page.locator('#sim-credential-hint').isVisible()).toBe(true);
    await screenshot(page, 'sim-credential-button');
    const { started, credentialPost } = await verifyWithSim(page, phoneNumber);

    // the page passed exactly the broker's request, as the one entry of digital.requests (read once the page has
    // posted the credential, so the wallet has certainly been asked)
    const posted = await credentialPost;
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
    expect(posted.url()).toBe(`${broker.url}/v1/verifications/${started.verificationId}/credential`);
    expect(presented).toHaveLength(1);
    expect(posted.postDataJSON()).toEqual({ vp_token: presented[0] });
    expect(Object.keys(presented[0])).toEqual([credential.id]);

    // the broker checks it and exchanges it with the sandbox aggregator: verified, and no SMS
    await page.waitForURL(new RegExp(`/result\\.html\\?verificationId=${started.verificationId}&status=verified$`));
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await smsFor(phoneNumber)).toEqual([]);
  });

  it('when the person closes the prompt (NotAllowedError), the page says so in one line and offers the SMS', async () => {
    const { page, context } = browser;
    const seen: unknown[] = [];
    await installStubWallet(context, { reject: 'NotAllowedError' }, seen);
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
    const phoneNumber = '+34600000064';
    const { credentialPost } = await verifyWithSim(page, phoneNumber);
    await credentialPost;
    await page.waitForURL(/\/otp\.html\?.*credential=refused/);
    await finishBySms(page, phoneNumber, 'The SIM credential could not confirm this number');
  });

  it("without the API, the sandbox's demo button verifies a sandbox SIM on WiFi with its test wallet: verified, no SMS", async () => {
    const { page, context } = browser;
    await removeDigitalCredentialsApi(context);
    const phoneNumber = '+34600000002'; // a sandbox SIM
    const walletPost = page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${broker.url}/sandbox/wallet`);
    const { started, credentialPost } = await verifyWithSim(page, phoneNumber, DEMO_BUTTON);
    // the page hands the test wallet what it would hand the browser: the broker's request, for this verification
    expect((await walletPost).postDataJSON()).toEqual({ verificationId: started.verificationId, digitalCredentialRequest: started.digitalCredentialRequest });
    expect(Object.keys((await credentialPost).postDataJSON().vp_token)).toEqual([started.digitalCredentialRequest.data.dcql_query.credentials[0].id]);
    await page.waitForURL(new RegExp(`/result\\.html\\?verificationId=${started.verificationId}&status=verified$`));
    await page.locator('#timeline li[data-event="verified"]').waitFor();
    expect(await text(page, '#facts')).toContain("Your SIM's credential, confirmed by your mobile operator");
    await screenshot(page, 'sim-credential-sandbox-wallet-verified');
    expect(await smsFor(phoneNumber)).toEqual([]);
  });

  it('with the API, ?wallet=sandbox offers the demo button in place of the browser one', async () => {
    const { page, context } = browser;
    await installStubWallet(context, { reject: 'NotAllowedError' }, []);
    await page.goto(`${broker.url}/?wallet=sandbox`);
    await page.getByRole('button', { name: DEMO_BUTTON, exact: true }).waitFor();
    expect(await page.getByRole('button', { name: SIM_BUTTON, exact: true }).count()).toBe(0);
  });

  it("the demo with a number the sandbox has no SIM for: the code page says so in one line and offers the SMS", async () => {
    const { page, context } = browser;
    await removeDigitalCredentialsApi(context);
    const phoneNumber = '+34600000065';
    const { credentialPosts } = await verifyWithSim(page, phoneNumber, DEMO_BUTTON);
    await page.waitForURL(/\/otp\.html\?.*credential=no_sandbox_sim/);
    await finishBySms(page, phoneNumber, 'The sandbox has no SIM with this number, so its test wallet has no credential for it.');
    expect(credentialPosts).toEqual([]);
  });
});

