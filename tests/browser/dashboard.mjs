// Horizon at /dashboard in Debian's chromium (playwright-core, no downloaded browser).
// Run by tests/integration/dashboard/test_browser.py against a real `cheptel serve`:
//   BASE_URL ADMIN_PASSWORD DEMO_PASSWORD OUT (screenshots) CHROMIUM (the binary)
// Logs in as admin and as the demo member, visits every panel of Project, Admin and
// Identity the sidebar offers, then, as demo, launches a server from the wizard on
// `private`, waits for Active, opens its Console tab (the serial console: its terminal
// connects through cheptel's websocket proxy and runs a command), associates a floating
// IP, opens the topology, deletes the server. Fails (exit 1, the problems on stderr) on any error banner, HTTP 5xx or page
// JavaScript error. Prints one JSON line of timings on stdout.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const BASE = process.env.BASE_URL;
const OUT = process.env.OUT;
const SERVER = process.env.SERVER_NAME || `browser-vm-${Date.now() % 100000}`;
fs.mkdirSync(OUT, { recursive: true });

const problems = [];
const timings = {};
let shot = 0;

function note(what) {
  problems.push(what);
  console.error(`PROBLEM: ${what}`);
}

async function screenshot(page, name) {
  shot += 1;
  const file = path.join(OUT, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
}

// Horizon's own failures, not the cloud's: the launch wizard asks its REST API for the
// metadata namespaces of "OS::Cinder::Volumes" (Horizon's misspelling of Glance's
// OS::Cinder::Volume) and of the server's scheduler hints, which no namespace Glance ships
// targets; Horizon then fetches zero namespaces "in parallel" and futurist refuses a pool of
// zero workers (a 500 from Horizon, as on any OpenStack; the wizard carries on).
const HORIZON_BUGS = [
  /\/dashboard\/api\/glance\/metadefs\/namespaces\/\?properties_target=&resource_type=OS::Cinder::Volumes$/,
  /\/dashboard\/api\/glance\/metadefs\/namespaces\/\?properties_target=scheduler_hints&resource_type=OS::Nova::Server$/,
];
const tolerated = [];
// Every 4xx and failed request the pages made: not problems by themselves (Horizon probes
// optional APIs), but what to read when the scenario stops.
const refused = [];

function watch(page, who) {
  page.on("pageerror", (err) => note(`${who}: JavaScript error on ${page.url()}: ${err.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && r.status() < 500) {
      refused.push(`${who}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    }
    if (r.status() < 500) return;
    const what = `${who}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`;
    if (HORIZON_BUGS.some((bug) => bug.test(r.url()))) tolerated.push(what);
    else note(what);
  });
  page.on("requestfailed", (r) =>
    refused.push(`${who}: ${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));
}

// Horizon's error banners: server-rendered messages and the toasts its JavaScript adds.
async function banners(page) {
  return page.$$eval(".messages .alert-danger, .messages .alert-error, toast .alert-danger, " +
    "#main_content .alert-danger:not(.javascript-disabled)",
    (els) => els.filter((e) => e.offsetParent !== null || e.closest("toast"))
      .map((e) => e.innerText.replace(/\s+/g, " ").trim()).filter((t) => t));
}

async function settle(page) {
  await page.waitForLoadState("load");
  await page.waitForLoadState("networkidle", { timeout: 15000 }).catch(() => {});
}

async function checkPage(page, who, url, name) {
  const t0 = Date.now();
  const resp = await page.goto(url);
  await settle(page);
  const ms = Date.now() - t0;
  if (!resp || resp.status() >= 400) note(`${who}: ${url} answered ${resp && resp.status()}`);
  for (const b of await banners(page)) note(`${who}: error banner on ${url}: ${b}`);
  await screenshot(page, name);
  return ms;
}

async function login(browser, user, password) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  watch(page, user);
  await page.goto(`${BASE}/dashboard/auth/login/`);
  await page.fill("#id_username", user);
  await page.fill("#id_password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.includes("/auth/login")),
                     page.click("#loginBtn")]);
  await settle(page);
  return page;
}

async function panels(page) {
  const hrefs = await page.$$eval("a.openstack-panel, #sidebar-accordion a[href]",
    (as) => as.map((a) => a.getAttribute("href")));
  const wanted = /^\/dashboard\/(project|admin|identity)\/.*/;
  return [...new Set(hrefs.filter((h) => h && wanted.test(h)))].sort();
}

async function visitAll(page, who) {
  let list = await panels(page);
  if (process.env.ONLY_PANELS) list = list.filter((h) => h.includes(process.env.ONLY_PANELS));
  if (list.length < 5) note(`${who}: only ${list.length} panels in the sidebar`);
  const times = [];
  for (const href of list) {
    const name = `${who}-${href.replace(/^\/dashboard\//, "").replace(/\/$/, "").replace(/\//g, "-")}`;
    times.push(await checkPage(page, who, BASE + href, name));
  }
  return { panels: list, times };
}

async function rowOf(page, name) {
  return page.locator("#instances tbody tr", { hasText: name });
}

async function waitStatus(page, name, status, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await rowOf(page, name);
    if (await row.count() && (await row.first().innerText()).includes(status)) return true;
    await page.waitForTimeout(1000);
    await page.reload();
    await settle(page);
  }
  return false;
}

async function launch(page) {
  await page.goto(`${BASE}/dashboard/project/instances/`);
  await settle(page);
  await page.click("#instances__action_launch-ng");
  const modal = page.locator(".modal-dialog");
  await modal.locator("#name").fill(SERVER);
  await modal.locator(".wizard-nav li", { hasText: "Source" }).click();
  // no new volume: the server boots from the image itself
  const noVolume = modal.locator("label.btn", { hasText: "No" }).first();
  if (await noVolume.count()) await noVolume.click().catch(() => {});
  await allocate(modal, "busybox");
  await modal.locator(".wizard-nav li", { hasText: "Flavor" }).click();
  await allocate(modal, "m1.tiny");
  await modal.locator(".wizard-nav li", { hasText: "Networks" }).click();
  // `private` may be allocated already (Horizon does when it is the only network)
  const offered = modal.locator("tr", { hasText: "private" }).locator("button.fa-arrow-up");
  if (await offered.count()) await offered.first().click();
  await screenshot(page, "demo-launch-wizard");
  await modal.locator("button.finish").click();
  await modal.waitFor({ state: "detached", timeout: 30000 });
}

// In the wizard's current step, move the row naming `what` from Available to Allocated
// (the wizard fetches its rows after it opens: a minute on a loaded host at most).
async function allocate(modal, what) {
  await modal.locator("tr", { hasText: what }).locator("button.fa-arrow-up").first()
    .click({ timeout: 60000 });
}

async function rowAction(page, name, action) {
  const row = (await rowOf(page, name)).first();
  const direct = row.locator("a, button", { hasText: action });
  if (!(await direct.first().isVisible().catch(() => false))) {
    await row.locator(".dropdown-toggle").first().click();
  }
  await row.locator("a, button", { hasText: action }).first().click();
}

// Submit a Horizon modal form: it posts by XHR, closes, then the page reloads itself.
async function submit(page, form) {
  await form.locator("input[type=submit], button[type=submit]").first().click();
  await page.locator(".modal-dialog").waitFor({ state: "detached", timeout: 30000 });
  await settle(page);
}

async function associateFloatingIp(page) {
  await page.goto(`${BASE}/dashboard/project/floating_ips/`);
  await settle(page);
  await page.click("#floating_ips__action_allocate");
  const form = page.locator(".modal-dialog");
  await form.waitFor();
  await submit(page, form);
  await page.goto(`${BASE}/dashboard/project/instances/`);
  await settle(page);
  await rowAction(page, SERVER, "Associate Floating IP");
  const assoc = page.locator(".modal-dialog");
  await assoc.waitFor();
  // Horizon's themed select: the real <select> is hidden behind a dropdown
  const ip = assoc.locator("#id_ip_id");
  await ip.waitFor({ state: "attached" });
  const chosen = await ip.evaluate((el) => {
    const option = [...el.options].find((o) => o.value);
    if (option) { el.value = option.value; el.dispatchEvent(new Event("change", { bubbles: true })); }
    return option ? option.text : null;
  });
  if (!chosen) throw new Error("no floating IP to associate");
  await screenshot(page, "demo-associate-floating-ip");
  await submit(page, assoc);
  const row = (await rowOf(page, SERVER)).first();
  const deadline = Date.now() + 30000;
  const address = chosen.trim().split(/\s/)[0];
  while (!(await row.innerText()).includes(address) && Date.now() < deadline) {
    await page.waitForTimeout(1000);
    await page.reload();
    await settle(page);
  }
  const text = await row.innerText();
  if (!text.includes(address)) note(`the floating IP ${address} does not show on the server: ${text}`);
}

// The instance's Console tab: Horizon (CONSOLE_TYPE "SERIAL") embeds its serial console
// page, whose term.js terminal opens the websocket URL Nova's remote-consoles gave (one
// token, redeemed by cheptel's proxy). Waits for the socket to be open, types a command
// into the terminal, and wants its output back.
async function console_(page) {
  await page.goto(`${BASE}/dashboard/project/instances/`);
  await settle(page);
  const link = (await rowOf(page, SERVER)).first().locator("a[href*='/project/instances/']").first();
  const href = await link.getAttribute("href");
  await page.goto(`${BASE}${href.replace(/\/$/, "")}/?tab=instance_details__console`);
  await settle(page);
  const tab = page.locator("a[data-target='#instance_details__console'], a[href='#instance_details__console']");
  if (await tab.count() && !(await page.locator("#console_embed").count())) await tab.first().click();
  await page.locator("iframe#console_embed").waitFor({ timeout: 30000 });
  const frame = page.frameLocator("iframe#console_embed");
  const status = frame.locator("serial-console");
  const opened = await status.filter({ hasText: "Status: Open" }).waitFor({ timeout: 30000 })
    .then(() => true, () => false);
  if (!opened) {
    note(`the serial console did not connect: ${await status.innerText().catch(() => "no terminal")}`);
    await screenshot(page, "demo-console");
    return;
  }
  await frame.locator(".terminal").click();
  await page.keyboard.type("echo console-$((6*7))\n", { delay: 20 });
  const answered = await frame.locator(".terminal", { hasText: "console-42" })
    .waitFor({ timeout: 15000 }).then(() => true, () => false);
  await screenshot(page, "demo-console");
  if (!answered) note(`the serial console did not run the command: ${await frame.locator(".terminal").innerText()}`);
}

async function topology(page) {
  await page.goto(`${BASE}/dashboard/project/network_topology/`);
  await settle(page);
  // the drawing: both networks, the router and the server
  const drawing = page.locator("svg", { hasText: "router1" }).filter({ hasText: "private" });
  await drawing.first().waitFor({ timeout: 15000 }).catch(() => note("the topology has no drawing"));
  await page.waitForTimeout(1500); // the force layout moving its nodes into place
  for (const b of await banners(page)) note(`demo: error banner on the topology: ${b}`);
  await screenshot(page, "demo-topology");
}

async function remove(page) {
  await page.goto(`${BASE}/dashboard/project/instances/`);
  await settle(page);
  await rowAction(page, SERVER, "Delete Instance");
  await page.locator(".modal-dialog .btn-danger, .modal-dialog .btn-primary").first().click();
  await settle(page);
  const deadline = Date.now() + 60000;
  while (await (await rowOf(page, SERVER)).count() && Date.now() < deadline) {
    await page.waitForTimeout(1000);
    await page.reload();
    await settle(page);
  }
  if (await (await rowOf(page, SERVER)).count()) note("the server was not deleted");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--metrics-recording-only", "--disable-default-apps"],
});
try {
  const admin = await login(browser, "admin", process.env.ADMIN_PASSWORD);
  const a = await visitAll(admin, "admin");
  const demo = await login(browser, "demo", process.env.DEMO_PASSWORD);
  const d = await visitAll(demo, "demo");
  timings.pages_ms = [...a.times, ...d.times];
  timings.admin_panels = a.panels;
  timings.demo_panels = d.panels;
  const t0 = Date.now();
  await launch(demo);
  if (!(await waitStatus(demo, SERVER, "Active", 120000))) note(`${SERVER} never became Active`);
  timings.launch_to_active_ms = Date.now() - t0;
  await screenshot(demo, "demo-instances-active");
  await console_(demo);
  timings.console_ok = !problems.some((p) => p.includes("serial console"));
  await associateFloatingIp(demo);
  await screenshot(demo, "demo-instances-floating-ip");
  await topology(demo);
  await remove(demo);
} catch (err) {
  note(`the scenario stopped: ${err.stack || err}`);
  for (const ctx of browser.contexts()) {
    for (const p of ctx.pages()) {
      await screenshot(p, "failure").catch(() => {});
      for (const b of await banners(p).catch(() => [])) note(`error banner at the stop: ${b}`);
    }
  }
  for (const r of refused.slice(-40)) note(`before the stop: ${r}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ problems, tolerated, ...timings }));
process.exit(problems.length ? 1 : 0);
