#!/usr/bin/env node
// One costumed session with a Node anti-detect kit, driven over the DevTools protocol, as a
// fraud operation runs it: tools/adversary (Python) starts this once per session.
//
//   node kit.js KIT COSTUME MODE URL
//     KIT      fingerprint-suite | puppeteer-stealth
//     COSTUME  windows-chrome | macos-chrome | android-chrome | iphone-safari
//     MODE     headless | headful (headful needs DISPLAY, the harness's Xvfb)
//     URL      the demo loan form
//
// Prints one JSON line on stdout: {"session_id": "...", "user_agent": "..."}; exits 1 with a
// line on stderr when the session could not be made. The system Chromium only
// (CHROMIUM, default /usr/bin/chromium): no kit downloads a browser here.
'use strict';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const FIELDS = [
  ['#full_name', 'Jan Nowak'],
  ['#email', 'jan.nowak@example.org'],
  ['#phone', '+48 600 200 300'],
  ['#income', '3900'],
  ['#comment', 'Home repairs'],
];
const RESULT = '#result[data-session-id]:not([data-session-id=""])';
const TIMEOUT_MS = 30000;

// fingerprint-generator's constraints per costume
const FINGERPRINTS = {
  'windows-chrome': { devices: ['desktop'], operatingSystems: ['windows'], browsers: ['chrome'] },
  'macos-chrome': { devices: ['desktop'], operatingSystems: ['macos'], browsers: ['chrome'] },
  'android-chrome': { devices: ['mobile'], operatingSystems: ['android'], browsers: ['chrome'] },
  'iphone-safari': { devices: ['mobile'], operatingSystems: ['ios'], browsers: ['safari'] },
};

// puppeteer: a desktop user agent passed to Chromium (the stealth plugin derives the platform
// and the client hints from it), a phone from puppeteer's own device list
const DESKTOP_UA = {
  'windows-chrome': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/MAJOR.0.0.0 Safari/537.36',
  'macos-chrome': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/MAJOR.0.0.0 Safari/537.36',
};
const PHONES = { 'android-chrome': 'Pixel 5', 'iphone-safari': 'iPhone 15' };

async function fillAndSubmit(page, readAttribute) {
  for (const [selector, text] of FIELDS) {
    await page.click(selector);
    await page.type(selector, text); // the kit's own typing, at its own default pace
  }
  await page.click('#submit');
  await page.waitForSelector(RESULT, { timeout: TIMEOUT_MS });
  return readAttribute(page);
}

async function fingerprintSuite(costume, headless, url) {
  const { chromium } = require('playwright-core');
  const { newInjectedContext } = require('fingerprint-injector');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless, args: ARGS });
  try {
    const context = await newInjectedContext(browser, {
      fingerprintOptions: FINGERPRINTS[costume],
    });
    const page = await context.newPage();
    await page.goto(url);
    const sessionId = await fillAndSubmit(page, (p) => p.getAttribute(RESULT, 'data-session-id'));
    return { session_id: sessionId, user_agent: await page.evaluate(() => navigator.userAgent) };
  } finally {
    await browser.close();
  }
}

async function puppeteerStealth(costume, headless, url) {
  const puppeteer = require('puppeteer-extra');
  const StealthPlugin = require('puppeteer-extra-plugin-stealth');
  const { KnownDevices } = require('puppeteer-core');
  puppeteer.use(StealthPlugin());
  const args = [...ARGS];
  if (DESKTOP_UA[costume]) {
    const major = await chromiumMajor();
    args.push(`--user-agent=${DESKTOP_UA[costume].replace('MAJOR', major)}`);
  }
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless, args, defaultViewport: null,
  });
  try {
    const page = await browser.newPage();
    if (PHONES[costume]) await page.emulate(KnownDevices[PHONES[costume]]);
    else await page.setViewport({ width: 1366, height: 768 });
    await page.goto(url);
    const sessionId = await fillAndSubmit(
      page, (p) => p.$eval(RESULT, (el) => el.getAttribute('data-session-id')),
    );
    return { session_id: sessionId, user_agent: await page.evaluate(() => navigator.userAgent) };
  } finally {
    await browser.close();
  }
}

async function chromiumMajor() {
  const { execFileSync } = require('child_process');
  const out = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
  const match = /(\d+)\./.exec(out);
  if (!match) throw new Error('cannot read the Chromium version');
  return match[1];
}

const KITS = { 'fingerprint-suite': fingerprintSuite, 'puppeteer-stealth': puppeteerStealth };

async function main() {
  const [kit, costume, mode, url] = process.argv.slice(2);
  if (!KITS[kit]) throw new Error(`unknown kit; known: ${Object.keys(KITS).join(', ')}`);
  if (!FINGERPRINTS[costume]) {
    throw new Error(`unknown costume; known: ${Object.keys(FINGERPRINTS).join(', ')}`);
  }
  if (mode !== 'headless' && mode !== 'headful') throw new Error('mode must be headless or headful');
  if (!url) throw new Error('the form URL is required');
  const result = await KITS[kit](costume, mode === 'headless', url);
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`kit.js: ${error && error.message ? error.message : error}\n`);
  process.exit(1);
});
