import { afterEach, beforeEach, describe, expect } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** `describe` where Chromium is installed; elsewhere `describe.skip`, saying so (CI installs it, .ci/run) */
export function describeInChromium(): typeof describe | typeof describe.skip {
  if (hasChromium) return describe;
  console.warn('Browser tests skipped: no chromium at /usr/bin/chromium. Install it with: apt-get update && apt-get install -y chromium');
  return describe.skip;
}

export const SCREENSHOTS = path.resolve('test-results', 'browser');

export const MOBILE = { width: 360, height: 760 };
export const DESKTOP = { width: 1280, height: 900 };

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** console errors and CSP refusals seen by any page of the session */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A headless chromium with an empty profile of its own (a fresh temporary user data dir), so each scenario
 * starts with no cookies: no broker session and no SIM choice.
 */
export async function openBrowser(viewport = MOBILE): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    locale: 'en-US',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: .*(4\d\d)/.test(message.text())) problems.push(message.text());
  });
  context.on('weberror', (error) => problems.push(error.error().message));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-results/browser/<name>.png (git-ignored) for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A fresh browser for every test of the calling `describe`; after each test, no page may have broken the CSP
 * (an inline script or style) or thrown. The returned object always stands for the current test's session.
 */
export function browserPerTest(viewport?: { width: number; height: number }): BrowserSession {
  let current: BrowserSession | undefined;
  beforeEach(async () => {
    current = await openBrowser(viewport);
  });
  afterEach(async () => {
    const problems = [...current!.problems];
    await current!.close();
    expect(problems).toEqual([]);
  });
  return {
    get context() {
      return current!.context;
    },
    get page() {
      return current!.page;
    },
    get problems() {
      return current!.problems;
    },
    close: () => current!.close(),
  };
}
