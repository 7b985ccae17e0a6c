import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';

/** What a person does on the sandbox operator's SIM picker: "this browser is a phone with SIM <number>". */
export async function pickSim(page: Page, sandboxIssuer: string, phoneNumber: string): Promise<void> {
  await page.goto(`${sandboxIssuer}/sim`);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: `Cellular with SIM ${phoneNumber}` }).click()]);
  const now = (await page.locator('p', { hasText: 'Now:' }).textContent())?.replace(/\s+/g, ' ');
  if (!now?.includes(`Cellular with SIM ${phoneNumber} (your choice)`)) throw new Error(`the SIM picker says "${now}"`);
}

/** index.html: type the number, say how the device is connected, start. */
export async function startVerification(page: Page, brokerUrl: string, phoneNumber: string, network: 'cellular' | 'wifi'): Promise<void> {
  await page.goto(`${brokerUrl}/`);
  await page.getByLabel('Mobile number').fill(phoneNumber);
  await page.getByRole('radio', { name: network === 'wifi' ? /^WiFi/ : /^Mobile data/ }).check();
  await page.getByRole('button', { name: 'Verify number' }).click();
}

/** The codes in the OTP page's sandbox inbox panel, newest first, once `count` texts have arrived. */
export async function codesInInbox(page: Page, count = 1): Promise<string[]> {
  await page.locator('#inbox li.inbox-message').nth(count - 1).waitFor({ timeout: 10_000 });
  const bodies = await page.locator('#inbox li.inbox-message .body').allTextContents();
  return bodies.map((body) => {
    const code = /#(\d{4,10})\s*$/.exec(body)?.[1];
    if (!code) throw new Error(`no code in the SMS text: ${body}`);
    return code;
  });
}

/** otp.html: type a code as a person would and confirm. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('One-time code').fill(code);
  await page.getByRole('button', { name: 'Confirm' }).click();
}

/** otp.html: enters the right code; the result page then says the number was verified by a code sent by SMS. */
export async function verifyWithSmsCode(page: Page, code: string): Promise<void> {
  await enterCode(page, code);
  await page.waitForURL(/\/result\.html\?/);
  await page.locator('#timeline li[data-event="verified"]').waitFor();
  expect(await text(page, '#facts')).toContain('One-time code by SMS');
}

/** A code of the same length that is surely wrong. */
export function wrongCode(code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

/** The event types of the result page's timeline, in order. */
export async function timeline(page: Page): Promise<string[]> {
  return page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event') ?? ''));
}

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}
