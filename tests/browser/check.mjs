// Real-browser check of Trygg: headless Chromium signs in to a running
// `trygg serve --demo`, checks the start page and keyboard access, reports a
// problem through the public form as an anonymous visitor (keyboard only) and
// follows it, and runs axe-core on each page for WCAG 2.1 A/AA violations.
//
//   TRYGG_URL             base URL of the running server (default http://127.0.0.1:8080)
//   TRYGG_ADMIN_EMAIL     an admin's e-mail address (required)
//   TRYGG_ADMIN_PASSWORD  that admin's password (required)
//   CHROMIUM              the browser (default /usr/bin/chromium; none is downloaded)
//   SCREENSHOT_DIR        if set, a full-page PNG of each page is saved there
//   AXE_VERBOSE           if set, also lists the rules axe could not decide ("incomplete")
//
// Prints one line per page and exits 1 on any violation or failed expectation.

import { chromium } from 'playwright-core';
import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const BASE = (process.env.TRYGG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const EMAIL = process.env.TRYGG_ADMIN_EMAIL;
const PASSWORD = process.env.TRYGG_ADMIN_PASSWORD;
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || '';
const VERBOSE = Boolean(process.env.AXE_VERBOSE);
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// The whole run must finish within this; a hung browser fails instead of blocking CI.
const OVERALL_TIMEOUT_MS = 180_000;

// This machine has no network beyond loopback: without these flags Chromium
// waits on connections (component updates, sync, QUIC probes).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const failures = [];
// Set while a page is expected to answer 4xx (the report form's error state).
let expectClientError = false;

function fail(message) {
  failures.push(message);
  console.log(`FAIL ${message}`);
}

function expect(condition, message) {
  if (!condition) fail(message);
  return condition;
}

function screenshotName(label) {
  const name = label
    .replace(/^\//, '')
    .replace(/\?lang=/, '.')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${name || 'start'}.png`;
}

async function screenshot(page, label) {
  if (!SCREENSHOT_DIR) return;
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, screenshotName(label)), fullPage: true });
}

/** Opens `target` and expects a 200 answer that stays on the same path (no redirect to /login). */
async function open(page, target) {
  const response = await page.goto(BASE + target, { waitUntil: 'load' });
  const status = response ? response.status() : 0;
  const landed = new URL(page.url());
  const wanted = new URL(BASE + target);
  expect(status === 200, `${target}: HTTP status ${status}, expected 200`);
  expect(
    landed.pathname === wanted.pathname,
    `${target}: ended up on ${landed.pathname}${landed.search}, expected ${wanted.pathname}`,
  );
}

/** Runs axe on the page (injected past our CSP, see bypassCSP) and prints one result line. */
async function scan(page, label, axeSource) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(
    (values) => window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations', 'incomplete'] }),
    WCAG_TAGS,
  );
  if (results.violations.length === 0) {
    console.log(`ok  ${label}  (${results.passes.length} rules passed)`);
  } else {
    const nodes = results.violations.reduce((n, v) => n + v.nodes.length, 0);
    fail(`${label}  ${results.violations.length} axe violation(s) on ${nodes} element(s):`);
    for (const v of results.violations) {
      const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
      const more = v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : '';
      console.log(`    - ${v.id} [${v.impact}] ${v.help}`);
      console.log(`        ${targets}${more}`);
    }
  }
  if (VERBOSE && results.incomplete.length > 0) {
    for (const v of results.incomplete) {
      console.log(`    ? ${label} needs review: ${v.id} [${v.impact ?? '-'}] ${v.help} (${v.nodes.length} element(s))`);
    }
  }
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

/** Presses Tab until the element with `id` has focus; false if it never does. */
async function tabTo(page, id, limit = 40) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.id ?? '')) === id) return true;
  }
  fail(`${new URL(page.url()).pathname}: #${id} cannot be reached with Tab`);
  return false;
}

/** With `selector` focused, presses ArrowDown until the chosen option's text is `label`. */
async function arrowTo(page, selector, label, limit = 60) {
  for (let i = 0; i < limit; i++) {
    const text = await page.$eval(selector, (el) => el.selectedOptions[0]?.textContent.trim() ?? '');
    if (text === label) return true;
    await page.keyboard.press('ArrowDown');
  }
  fail(`${selector}: "${label}" cannot be chosen with the arrow keys`);
  return false;
}

/** Fails on script errors, failed requests and unexpected 4xx/5xx answers. */
function wire(page) {
  page.on('pageerror', (e) => fail(`${new URL(page.url()).pathname}: script error: ${e.message}`));
  page.on('response', (r) => {
    const expected = expectClientError && r.status() < 500;
    if (r.status() >= 400 && !expected) fail(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  page.on('requestfailed', (r) => fail(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? 'failed'}`));
}

/** The public form: its error state, then a report made with the keyboard only, its receipt and follow page. */
async function reportAsVisitor(page, axeSource) {
  wire(page);
  await open(page, '/report');
  expect((await htmlLang(page)) === 'sv', '/report: <html lang> is not "sv"');
  await screenshot(page, '/report');
  await scan(page, '/report', axeSource);

  // Sent empty: the form comes back with an error summary linking to the fields.
  expectClientError = true;
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/report'),
    page.click('form[action="/report"] [type="submit"]'),
  ]);
  await page.waitForLoadState('load');
  expectClientError = false;
  expect(answer.status() === 400, `POST /report (empty): HTTP ${answer.status()}, expected 400`);
  const links = await page.$$eval('.error-summary a', (as) => as.map((a) => a.getAttribute('href')));
  expect(links.includes('#category') && links.includes('#place'), `POST /report (empty): summary links ${links}`);
  await screenshot(page, '/report-errors');
  await scan(page, '/report (errors)', axeSource);

  // Filled in and sent with the keyboard only.
  await open(page, '/report');
  const description = 'Nya taggar på väggen vid entrén (webbläsartest).';
  const ok =
    (await tabTo(page, 'category')) &&
    (await arrowTo(page, '#category', 'Övrigt klotter')) &&
    (await tabTo(page, 'place')) &&
    (await arrowTo(page, '#place', 'Tensta centrum')) &&
    (await tabTo(page, 'description'));
  if (!ok) return;
  await page.keyboard.type(description);
  let onSubmit = false;
  for (let i = 0; i < 20 && !onSubmit; i++) {
    await page.keyboard.press('Tab');
    onSubmit = await page.evaluate(
      () => document.activeElement?.matches('form[action="/report"] [type="submit"]') ?? false,
    );
  }
  if (!expect(onSubmit, '/report: the send button cannot be reached with Tab')) return;
  await Promise.all([
    page.waitForURL((u) => u.pathname.startsWith('/r/'), { waitUntil: 'load' }).catch(() => {}),
    page.keyboard.press('Enter'),
  ]);
  const receipt = new URL(page.url());
  if (!expect(receipt.pathname.startsWith('/r/'), `POST /report: ended up on ${receipt.pathname}, expected /r/…`)) {
    const text = (await page.textContent('main').catch(() => '')) ?? '';
    console.log(`    page says: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}`);
    return;
  }
  const main = (await page.textContent('main')) ?? '';
  expect(main.includes('Tack för din rapport'), '/r/…?new=1: no thanks on the receipt');
  expect(main.includes('Mottagen') && main.includes('Övrigt klotter'), '/r/…?new=1: state or category missing');
  const href = (await page.getAttribute('#follow-link', 'href').catch(() => null)) ?? '';
  expect(/^https?:\/\/.+\/r\/[0-9a-f]{64}$/.test(href), `/r/…?new=1: follow link "${href}" is not absolute`);
  await screenshot(page, '/receipt');
  await scan(page, '/r/… (receipt)', axeSource);
  console.log('ok  /report  (keyboard only: category, place, description, send)');

  // The follow link (made from the configured public URL; opened on this server).
  const follow = new URL(href).pathname;
  await open(page, follow);
  const followed = (await page.textContent('main')) ?? '';
  expect(followed.includes('Mottagen') && !followed.includes(description), `${follow}: state missing or description shown`);
  await screenshot(page, '/follow');
  await scan(page, '/r/… (follow)', axeSource);
}

async function run() {
  if (!EMAIL || !PASSWORD) {
    fail('TRYGG_ADMIN_EMAIL and TRYGG_ADMIN_PASSWORD must be set');
    return;
  }
  if (SCREENSHOT_DIR) await mkdir(SCREENSHOT_DIR, { recursive: true });
  const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

  const browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: CHROMIUM_ARGS });
  try {
    const contextOptions = {
      // Our Content-Security-Policy forbids inline script; axe is injected as one.
      bypassCSP: true,
      viewport: { width: 1280, height: 900 },
      locale: 'sv-SE',
    };
    const context = await browser.newContext(contextOptions);
    context.setDefaultTimeout(20_000);
    context.setDefaultNavigationTimeout(20_000);
    const page = await context.newPage();
    wire(page);

    // The login page, in Swedish by default.
    await open(page, '/login');
    const lang = await htmlLang(page);
    expect(lang === 'sv', `/login: <html lang="${lang}">, expected "sv"`);
    await screenshot(page, '/login');
    await scan(page, '/login', axeSource);

    // Sign in as the admin.
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/', { waitUntil: 'load' }).catch(() => {}),
      page.click('form[action="/login"] [type="submit"]'),
    ]);
    const landed = new URL(page.url());
    if (!expect(landed.pathname === '/', `login: ended up on ${landed.pathname}${landed.search}, expected /`)) {
      const text = (await page.textContent('main').catch(() => '')) ?? '';
      console.log(`    page says: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}`);
      return;
    }
    const who = ((await page.textContent('header .who strong').catch(() => null)) ?? '').trim();
    expect(who.length > 0, '/: no signed-in user name in the header (header .who strong)');
    expect(
      (await page.locator('form[action="/logout"]').count()) === 1,
      '/: no logout form; not signed in?',
    );
    if (process.env.TRYGG_ADMIN_NAME) {
      expect(who === process.env.TRYGG_ADMIN_NAME, `/: signed in as "${who}", expected "${process.env.TRYGG_ADMIN_NAME}"`);
    }

    // The start page: the map of Järva and both district areas.
    const areas = await page.locator('svg.map path.area').count();
    expect(await page.locator('svg.map').count() >= 1, '/: no svg.map');
    expect(areas === 11, `/: svg.map has ${areas} path.area elements, expected 11`);
    const body = (await page.textContent('body')) ?? '';
    for (const name of ['Rinkeby-Kista', 'Spånga-Tensta']) {
      expect(body.includes(name), `/: the text does not mention "${name}"`);
    }
    await screenshot(page, '/');
    await scan(page, '/', axeSource);

    // Keyboard: the first Tab from the top focuses the skip link, and
    // following it moves focus to the main content.
    await open(page, '/');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el?.tagName ?? '', text: (el?.textContent ?? '').trim(), href: el?.getAttribute('href') ?? '' };
    });
    if (
      expect(
        first.tag === 'A' && first.text === 'Hoppa till innehållet',
        `/: first Tab focuses <${first.tag.toLowerCase()}> "${first.text}", expected the skip link "Hoppa till innehållet"`,
      )
    ) {
      const visible = await page.evaluate(() => {
        const r = document.activeElement.getBoundingClientRect();
        return r.right > 0 && r.bottom > 0 && r.left < window.innerWidth && r.top < window.innerHeight;
      });
      expect(visible, '/: the focused skip link is not visible on screen');
      await page.keyboard.press('Enter');
      const target = await page.evaluate(() => document.activeElement?.id ?? '');
      expect(target === first.href.replace(/^#/, ''), `/: following the skip link focuses #${target}, expected ${first.href}`);
      console.log(`ok  /  (keyboard: skip link first, focus moves to ${first.href})`);
    }

    // The other pages an admin sees.
    for (const target of [
      '/areas', '/areas/tensta', '/areas/jarva', '/organisation', '/account/password', '/admin/users', '/admin/audit',
      '/reports', '/reports/figures', '/situation?area=jarva&period=2025', '/situation?area=tensta&period=2026-T3',
      '/results', '/results?lang=en',
    ]) {
      await open(page, target);
      await screenshot(page, target);
      await scan(page, target, axeSource);
    }
    await publishSituation(page, axeSource);
    await goldenThread(page, axeSource);
    await safetyWalk(page, context, axeSource);
    await context.close();

    // An anonymous visitor reports graffiti at Tensta centrum and follows it.
    const visitor = await browser.newContext(contextOptions);
    visitor.setDefaultTimeout(20_000);
    visitor.setDefaultNavigationTimeout(20_000);
    await reportAsVisitor(await visitor.newPage(), axeSource);
    await visitor.close();

    // The login page in English, in a fresh context (the choice is kept in a cookie).
    const english = await browser.newContext({ ...contextOptions, locale: 'en-GB' });
    english.setDefaultTimeout(20_000);
    const enPage = await english.newPage();
    await open(enPage, '/login?lang=en');
    const enLang = await htmlLang(enPage);
    expect(enLang === 'en', `/login?lang=en: <html lang="${enLang}">, expected "en"`);
    await screenshot(enPage, '/login?lang=en');
    await scan(enPage, '/login?lang=en', axeSource);
    await english.close();
  } finally {
    await browser.close();
  }
}

const watchdog = setTimeout(() => {
  console.log(`FAIL the browser check did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  await run();
} catch (e) {
  fail(`the browser check stopped: ${e && e.stack ? e.stack : e}`);
}
clearTimeout(watchdog);
if (failures.length > 0) {
  console.log(`browser check: ${failures.length} problem(s) on ${BASE}`);
  process.exit(1);
}
console.log(`browser check: all pages pass WCAG 2.1 A/AA (axe) on ${BASE}`);

// The coordinator's step: publish the Järva situation report with an edited
// summary, land on the stored version, and check that page too.
async function publishSituation(page, axeSource) {
  await open(page, '/situation?area=jarva&period=2025&lang=sv');
  const maps = await page.locator('svg.map[role="img"] title').count();
  expect(maps >= 1, '/situation: the report has no map with a title');
  await page.fill('#s-summary', 'Redigerad sammanfattning för styrgruppen.');
  await Promise.all([page.waitForURL(/\/situation\/snapshots\/\d+$/), page.click('form[action="/situation/publish"] button')]);
  const text = await page.locator('main').innerText();
  expect(text.includes('Redigerad sammanfattning för styrgruppen.'), '/situation/snapshots: the edited summary is not in the published report');
  await screenshot(page, '/situation/snapshots');
  await scan(page, '/situation/snapshots', axeSource);
  console.log('ok  /situation/publish  (edited summary published as a snapshot)');
}

// The golden thread, as a coordinator walks it: from a hot spot in the
// situation report to a problem, a cause, a measure with the cause and an
// indicator, two tertials of follow-up approved, the tertial report and the
// measure's evaluation; axe on every new page on the way.
async function goldenThread(page, axeSource) {
  const submit = async (form, url) => {
    await Promise.all([page.waitForURL(url), page.click(`${form} button[type="submit"]`)]);
  };
  await open(page, '/situation?area=jarva&period=2025&lang=sv');
  const hot = page.locator('a[href^="/problems/new?"]').first();
  if (!expect((await hot.count()) > 0, '/situation: no link from a hot spot to a new problem')) return;
  await Promise.all([page.waitForURL(/\/problems\/new\?/), hot.click()]);
  expect((await page.inputValue('#pf-title')).length > 0, '/problems/new: the title is not prefilled from the hot spot');
  await scan(page, '/problems/new', axeSource);
  for (const [sel, text] of [
    ['#pf-what', 'Skadegörelse och klotter kvällstid'],
    ['#pf-place', 'Torget och gångstråket mot tunnelbanan'],
    ['#pf-time', 'Kvällar 18–23'],
    ['#pf-affected', 'Boende och butiksanställda'],
  ]) {
    if (!(await page.inputValue(sel))) await page.fill(sel, text);
  }
  await submit('form[action="/problems"]', /\/problems\/\d+$/);
  const problemId = page.url().match(/\/problems\/(\d+)/)[1];
  const evidence = await page.locator('main').innerText();
  expect(evidence.includes('situation:jarva:2025:hotspots'), '/problems/{id}: the hot spot is not its evidence');
  await page.selectOption('#nc-kind', 'place');
  await page.fill('#nc-text', 'Trasig belysning vid gångstråket');
  await page.fill('#nc-evidence', 'Trygghetsvandring maj 2025');
  await submit(`form[action="/problems/${problemId}/causes"]`, /\/problems\/\d+/);
  await screenshot(page, '/problems/{id}');
  await scan(page, '/problems/{id}', axeSource);

  await open(page, '/plans');
  await scan(page, '/plans', axeSource);
  const planHref = await page.locator('a[href^="/plans/"]').first().getAttribute('href');
  const planId = planHref.match(/\/plans\/(\d+)/)[1];
  await open(page, `/measures/new?plan=${planId}`);
  await scan(page, '/measures/new', axeSource);
  await page.fill('#m-name', 'Belysning vid gångstråket');
  await page.fill('#m-goal', 'Alla armaturer längs gångstråket fungerar i oktober 2025.');
  await page.fill('#m-starts', '2025-05-01');
  await page.fill('#m-ends', '2025-12-31');
  await page.fill('#m-owner', 'Trafikkontoret');
  await page.fill('#m-follow', 'Felanmälningar om belysning per tertial');
  await page.selectOption('#m-base', 'proven');
  await page.selectOption('#m-place', 'tensta-centrum');
  await page.selectOption('#m-comparison', 'rinkeby-torg');
  await submit('form[action="/measures"]', /\/measures\/\d+$/);
  const measureId = page.url().match(/\/measures\/(\d+)/)[1];
  const cause = page.locator('#link-cause option', { hasText: 'Trasig belysning vid gångstråket' });
  await page.selectOption('#link-cause', await cause.first().getAttribute('value'));
  await submit(`form[action="/measures/${measureId}/causes"]`, /\/measures\/\d+/);
  await page.selectOption('#link-indicator', 'rapporter-belysning');
  await submit(`form[action="/measures/${measureId}/indicators"]`, /\/measures\/\d+/);
  const measure = await page.locator('main').innerText();
  expect(measure.includes('Trasig belysning vid gångstråket'), '/measures/{id}: the cause is not linked');
  await scan(page, '/measures/{id}', axeSource);

  for (const period of ['2025-T2', '2025-T3']) {
    await open(page, `/followup?area=jarva&period=${period}`);
    await page.selectOption(`#status-${measureId}`, 'green');
    await page.fill(`#comment-${measureId}`, `Rapport ${period}: lagat enligt plan.`);
    await submit(`form[action="/followup/report"]:has(input[name="measure"][value="${measureId}"])`, /\/followup\?/);
    for (const stage of ['preparation', 'steering']) {
      const approve = `form[action="/followup/approve"]:has(input[name="stage"][value="${stage}"])`;
      if ((await page.locator(approve).count()) > 0) await submit(approve, /\/followup\?/);
    }
    const text = await page.locator('main').innerText();
    expect(/låst/i.test(text), `/followup ${period}: not locked after both approvals`);
    await scan(page, `/followup?period=${period}`, axeSource);
  }

  await open(page, '/tertial?area=jarva&period=2025-T3');
  const report = await page.locator('main').innerText();
  expect(report.includes('Belysning vid gångstråket'), '/tertial: the new measure is not in the tertial report');
  expect(report.includes('låsta'), '/tertial: the approval is not stated');
  await screenshot(page, '/tertial');
  await scan(page, '/tertial', axeSource);

  await open(page, `/measures/${measureId}/evaluation`);
  const evaluation = await page.locator('main').innerText();
  expect(/WDD/.test(evaluation), '/measures/{id}/evaluation: no weighted displacement difference');
  await scan(page, '/measures/{id}/evaluation', axeSource);
  await open(page, '/thread?area=jarva');
  await scan(page, '/thread', axeSource);
  await open(page, '/indicators');
  await scan(page, '/indicators', axeSource);
  await open(page, '/governance');
  const governance = await page.locator('main').innerText();
  expect(governance.includes('Medborgarlöfte Järva'), '/governance: the demo citizen promise is missing');
  await scan(page, '/governance', axeSource);
  const agreement = await page.locator('a[href^="/governance/agreements/"]').first().getAttribute('href');
  await open(page, agreement);
  await scan(page, '/governance/agreements/{id}', axeSource);
  const meeting = await page.locator('main').count();
  expect(meeting > 0, '/governance/agreements/{id}: no main');
  await open(page, '/governance/meetings/new');
  await scan(page, '/governance/meetings/new', axeSource);
  await open(page, '/governance/groups');
  await scan(page, '/governance/groups', axeSource);
  const meetingHref = await (async () => {
    await open(page, '/governance');
    return page.locator('a[href^="/governance/meetings/"]:not([href$="/new"])').first().getAttribute('href');
  })();
  if (meetingHref) {
    await open(page, meetingHref);
    await scan(page, '/governance/meetings/{id}', axeSource);
  }
  await open(page, `/plans/${planId}`);
  await scan(page, '/plans/{id}', axeSource);
  await open(page, '/indicators/brott-samtliga?area=jarva');
  await scan(page, '/indicators/{code}', axeSource);
  console.log('ok  golden thread  (hot spot → problem → cause → measure → two tertials approved → tertial report → evaluation)');
}

// A safety walk on a phone outdoors: the walk is recorded, then a finding is
// entered without a connection (the service worker keeps it), the connection
// returns and the finding is sent; the protocol shows it.
async function safetyWalk(page, context, axeSource) {
  const submit = async (form, url) => {
    await Promise.all([page.waitForURL(url), page.click(`${form} button[type="submit"]`)]);
  };
  await open(page, '/walks/new');
  await scan(page, '/walks/new', axeSource);
  await page.selectOption('#w-area', 'tensta');
  await page.fill('#w-route', '59.3940, 17.9042\n59.3950, 17.9060');
  await page.fill('#org-0', 'Boende i Tensta');
  await page.fill('#women-0', '3');
  await page.fill('#men-0', '2');
  await submit('form[action="/walks"]', /\/walks\/\d+$/);
  const walkPath = new URL(page.url()).pathname;
  await scan(page, '/walks/{id}', axeSource);
  // The service worker controls the page from its next load.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
  if (!expect(controlled, '/walks/{id}: the service worker does not control the page')) return;

  await context.setOffline(true);
  await page.fill('#lat', '59.3942');
  await page.fill('#lon', '17.9045');
  const category = await page.locator('#f-category option:not([value=""])').first().getAttribute('value');
  await page.selectOption('#f-category', category);
  await page.fill('#f-description', 'Trasig lampa vid gångtunneln');
  await Promise.all([page.waitForURL(/queued=1/), page.click(`form[action="${walkPath}/findings"] button[type="submit"]`)]);
  const kept = await page.locator('main').innerText();
  expect(!kept.includes('Trasig lampa vid gångtunneln') || kept.includes('1'), '/walks/{id}: offline finding not kept');
  await context.setOffline(false);
  await page.waitForFunction(
    () => document.querySelector('main')?.innerText.includes('Trasig lampa vid gångtunneln'),
    null,
    { timeout: 20_000 },
  ).catch(() => {});
  const synced = await page.locator('main').innerText();
  expect(synced.includes('Trasig lampa vid gångtunneln'), '/walks/{id}: the offline finding was not sent when back online');
  await open(page, `${walkPath}/protocol`);
  const protocol = await page.locator('main').innerText();
  expect(protocol.includes('Trasig lampa vid gångtunneln'), '/walks/{id}/protocol: the finding is missing');
  await scan(page, '/walks/{id}/protocol', axeSource);
  await open(page, '/walks');
  await scan(page, '/walks', axeSource);
  await open(page, '/articles');
  await scan(page, '/articles', axeSource);
  console.log('ok  safety walk  (finding entered offline, sent when back online, in the protocol)');
}
