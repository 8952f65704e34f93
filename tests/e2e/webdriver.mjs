// A minimal W3C WebDriver client over fetch, enough to drive the Guichet window
// through tauri-driver (which forwards to WebKitWebDriver). No npm dependency.
import { spawn, execFileSync } from "node:child_process";
import {
  mkdtempSync,
  mkdirSync,
  writeFileSync,
  existsSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import net from "node:net";
import { createInterface } from "node:readline";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
export const ROOT = resolve(import.meta.dirname, "..", "..");
export const SHOTS = join(ROOT, ".e2e");
/** axe-core, the accessibility engine the browser tests run in each page. */
const AXE = join(ROOT, "ui", "node_modules", "axe-core", "axe.min.js");
/** Words a browser, a framework or an untranslated string leaves in a French page. */
const ENGLISH = new RegExp(
  "\\b(Choose|Browse|No file chosen|files? selected|Submit|Loading|Error|Download|Upload|" +
    "undefined|null|NaN|Invalid Date|the|and|of)\\b",
);
/** Where cargo builds (CARGO_TARGET_DIR when set). */
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, "target");

/** Whether window tests can run here; under CI=true they must. */
export function windowTestsSkipReason() {
  if (process.env.CI === "true") return null;
  if (!process.env.DISPLAY) return "pas d'écran (DISPLAY vide) : tests de fenêtre ignorés — scripts/test.sh lance Xvfb";
  return null;
}

async function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((res) => {
      const c = net.connect(port, "127.0.0.1", () => {
        c.end();
        res(true);
      });
      c.on("error", () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/**
 * Starts tauri-driver with a fresh, empty data folder for the app (XDG dirs),
 * and opens a WebDriver session on the Guichet window.
 */
export async function launch(extraEnv = {}) {
  const app = process.env.GUICHET_APP ?? join(TARGET, "debug", "guichet-desktop");
  if (!existsSync(app))
    throw new Error(
      `application binary missing: ${app} (run cargo test --workspace or cargo build -p guichet-desktop)`,
    );
  const home = mkdtempSync(join(tmpdir(), "guichet-e2e-"));
  const port = await freePort();
  const nativePort = await freePort();
  const env = {
    ...process.env,
    // In French, as agents' machines are: WebKit's own controls and dates day first.
    LANG: "fr_FR.UTF-8",
    LANGUAGE: "fr_FR:fr",
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    ...extraEnv,
  };
  delete env.GUICHET_DATABASE_URL;
  if (extraEnv.GUICHET_DATABASE_URL) env.GUICHET_DATABASE_URL = extraEnv.GUICHET_DATABASE_URL;
  const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
  // A log file, not pipes: the app inherits the driver's output, and a pipe it
  // kept open would keep this test process waiting after the session ends.
  const logPath = join(home, "tauri-driver.log");
  const logFd = openSync(logPath, "a");
  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  const driverLog = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  const base = `http://127.0.0.1:${port}`;
  let body;
  let startedAt;
  try {
    await waitForPort(port, 15000);
    // tauri-driver answers before the WebKitWebDriver it starts listens: wait for both.
    await waitForPort(nativePort, 15000);
    startedAt = performance.now();
    const res = await fetch(`${base}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ capabilities: { alwaysMatch: { "tauri:options": { application: app } } } }),
    });
    body = await res.json();
    if (!res.ok) throw new Error(`session not created: ${JSON.stringify(body)}`);
  } catch (e) {
    // Never leave a driver behind: it would keep the test run waiting.
    driver.kill("SIGTERM");
    killLeftovers(home);
    throw new Error(`${e.message}\n${driverLog()}`);
  }
  const w = new Window(base, body.value.sessionId, driver, home);
  /** When the session was asked for, that is when the app was started (`performance.now()`). */
  w.startedAt = startedAt;
  return w;
}

/**
 * Opens Debian's Chromium through its chromedriver (headless, a phone's
 * width by default), trusting the test server's self-signed certificate; in
 * French, as members' browsers are (its controls' words from the
 * chromium-l10n package, dates day first).
 */
export async function launchBrowser({ width = 412, height = 915 } = {}) {
  const home = mkdtempSync(join(tmpdir(), "guichet-chromium-"));
  const port = await freePort();
  const logFd = openSync(join(home, "chromedriver.log"), "a");
  const driverBin = process.env.CHROMEDRIVER ?? "chromedriver";
  const env = { ...process.env, LANG: "fr_FR.UTF-8", LANGUAGE: "fr_FR:fr" };
  const driver = spawn(driverBin, [`--port=${port}`], { stdio: ["ignore", logFd, logFd], env });
  closeSync(logFd);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(port, 15000);
    const args = [
      "--lang=fr-FR",
      "--accept-lang=fr-FR,fr",
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      `--window-size=${width},${height}`,
      `--user-data-dir=${join(home, "profile")}`,
    ];
    const prefs = { intl: { accept_languages: "fr-FR,fr" } };
    const options = { args, prefs, ...(existsSync("/usr/bin/chromium") ? { binary: "/usr/bin/chromium" } : {}) };
    const res = await fetch(`${base}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        capabilities: { alwaysMatch: { acceptInsecureCerts: true, "goog:chromeOptions": options } },
      }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`session not created: ${JSON.stringify(body)}`);
    return new Window(base, body.value.sessionId, driver, home);
  } catch (e) {
    driver.kill("SIGTERM");
    throw e;
  }
}

export class Window {
  constructor(base, id, driver, home) {
    this.base = base;
    this.id = id;
    this.driver = driver;
    this.home = home;
  }

  async cmd(method, path, body) {
    const res = await fetch(`${this.base}/session/${this.id}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  }

  /** Opens `url` in this window (a browser's). */
  async open(url) {
    await this.cmd("POST", "/url", { url });
  }

  async find(css) {
    const v = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return v[ELEMENT];
  }

  /** Waits until `css` matches a displayed element. */
  /** Logs in from the login form; waits for `landing` (the main window). */
  async login(username, password, landing = "#app-shell") {
    await this.waitFor("#login-form");
    await this.type("#f-username", username + ENTER);
    await this.type("#f-password", password + ENTER);
    await this.waitFor(landing);
  }

  async waitFor(css, ms = 15000) {
    const end = Date.now() + ms;
    let last;
    while (Date.now() < end) {
      try {
        const el = await this.find(css);
        if (await this.cmd("GET", `/element/${el}/displayed`)) return el;
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(`element ${css} not shown within ${ms} ms${last ? `: ${last.message}` : ""}`);
  }

  /** Reads `read()` every 100 ms until `pred` holds on it (or it equals `pred`);
   * fails after `ms` naming `what` and the last value read. */
  async until(read, pred, what, ms = 10000) {
    const test = typeof pred === "function" ? pred : (v) => v === pred;
    const end = Date.now() + ms;
    let last;
    while (Date.now() < end) {
      last = await read();
      if (test(last)) return last;
      await sleep(100);
    }
    throw new Error(`${what} never matched; last: ${JSON.stringify(last)}`);
  }

  /** Waits until the text of `css` satisfies `pred` (or equals it). */
  async waitText(css, pred, ms = 10000) {
    // Not there yet reads as no text.
    return this.until(() => this.text(css).catch(() => ""), pred, `text of ${css}`, ms);
  }

  /** The error a form shows, wherever it belongs (beside its field, or in the
   * form's banner): every message once, so a message said twice fails. */
  async formError(form) {
    const texts = await this.exec(
      "const f = document.querySelector(arguments[0]); if (!f) return [];" +
        "return [...f.querySelectorAll('.form-error:not([hidden]), .field-error')]" +
        ".map((e) => e.textContent.trim()).filter((t) => t);",
      form,
    );
    if (new Set(texts).size < texts.length) throw new Error(`${form}: a message said twice: ${texts.join(" | ")}`);
    return texts.join(" ");
  }

  /** Waits until the error `form` shows satisfies `pred` (or equals it). */
  async waitFormError(form, pred, ms = 10000) {
    return this.until(() => this.formError(form), pred, `the error of ${form}`, ms);
  }

  /** Waits until the input holds a value matching `re` (a dialog's answer arrives asynchronously). */
  async waitValue(css, re, ms = 15000) {
    const read = () => this.exec(`return document.querySelector(${JSON.stringify(css)}).value;`);
    return this.until(read, (v) => re.test(v), `the value of ${css} against ${re}`, ms);
  }

  async text(css) {
    return this.cmd("GET", `/element/${await this.find(css)}/text`);
  }

  /**
   * Clicks; a page re-drawn between finding and clicking (a reload after a
   * save) is found again, and an element the driver scrolled under the dossier
   * page's sticky bar is brought to the middle of the window first, as a
   * person scrolls a little before clicking.
   */
  async click(css) {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cmd("POST", `/element/${await this.waitFor(css)}/click`, {});
        return;
      } catch (e) {
        const message = String(e.message);
        if (attempt >= 5 || !(message.includes("stale element") || message.includes("click intercepted"))) throw e;
        if (message.includes("click intercepted")) {
          await this.exec("document.querySelector(arguments[0])?.scrollIntoView({ block: 'center' });", css);
        } else await sleep(200);
      }
    }
  }

  /** Types into a field as a person (or a barcode scanner) would; "\uE007" is Enter. */
  async type(css, text) {
    const el = await this.waitFor(css);
    await this.cmd("POST", `/element/${el}/clear`, {});
    await this.cmd("POST", `/element/${el}/value`, { text });
  }

  /** Presses keys on whatever has the focus, as the keyboard (or a barcode
   * scanner) does: no element is targeted. */
  async keys(text) {
    const actions = [];
    for (const ch of text) actions.push({ type: "keyDown", value: ch }, { type: "keyUp", value: ch });
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  /** The id (or name) of the element that has the focus. */
  async focused() {
    return this.exec("const e = document.activeElement; return e ? (e.id || e.name || e.tagName) : null;");
  }

  /** What the focused element holds, for failure messages. */
  async focusedValue() {
    return this.exec("const e = document.activeElement; return e && 'value' in e ? e.value : null;");
  }

  /** Waits until the element with this id has the focus (keys are delivered asynchronously). */
  async waitFocus(id, ms = 5000) {
    const end = Date.now() + ms;
    let now = null;
    while (Date.now() < end) {
      now = await this.focused();
      if (now === id) return;
      await sleep(50);
    }
    throw new Error(`focus never reached #${id}; it is on ${now} holding ${JSON.stringify(await this.focusedValue())}`);
  }

  async exec(script, ...args) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async texts(css) {
    return this.exec(`return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent.trim());`, css);
  }

  /** Goes to a section of the members' portal from its menu, unfolding it first on a phone. */
  async portalSection(key) {
    await this.openPortalMenu();
    await this.click(`nav a[href="#/${key}"]`);
    // The section's page mounts its own menu, folded: wait for it, or the
    // next section's click would look in the menu being replaced.
    const current = () =>
      this.exec(`return document.querySelector('nav a[aria-current="page"]')?.getAttribute('href');`);
    await this.until(current, `#/${key}`, "the portal's open section", 15000);
  }

  /** Logs out of the members' portal (its button is in the menu). */
  async portalLogout() {
    await this.openPortalMenu();
    await this.click("#deconnexion");
  }

  async openPortalMenu() {
    await this.waitFor("nav");
    const folded = await this.exec(
      "const m = document.getElementById('menu-bouton'); " +
        "return !!m && getComputedStyle(m).display !== 'none' && m.getAttribute('aria-expanded') !== 'true';",
    );
    if (folded) await this.click("#menu-bouton");
  }

  /** Sets the window's size (a phone's 360 px, a desk's 1280 × 800). */
  async resize(width, height) {
    await this.cmd("POST", "/window/rect", { width, height });
  }

  /**
   * What every page promises whatever it shows, in the window as in the
   * browser: no horizontal scrollbar (the page's, the desk's content
   * panel's, nor a part's inside them), no ISO date and no English word of a browser or a framework in
   * its text. Returns the problems found, empty when none; every screenshot
   * checks them.
   */
  async textProblems() {
    const problems = [];
    const wide = await this.exec(
      "return [document.documentElement, document.querySelector('.content')].filter((e) => e)" +
        ".map((e) => [e.scrollWidth, e.clientWidth, e === document.documentElement ? 'page' : 'content']);",
    );
    for (const [scroll, client, what] of wide) {
      if (scroll <= client) continue;
      const culprits = await this.exec(
        "const w = arguments[0] === 'page' ? document.documentElement.clientWidth : " +
          "document.querySelector('.content').getBoundingClientRect().right; " +
          "return Array.from(document.querySelectorAll('body *'))" +
          ".filter((e) => e.getBoundingClientRect().right > w + 1).slice(-3).map((e) => e.tagName + " +
          "(e.id ? '#' + e.id : '') + (e.getAttribute('name') ? '[' + e.getAttribute('name') + ']' : '') + ' ' + " +
          "Math.round(e.getBoundingClientRect().width) + ' px');",
        what,
      );
      problems.push(`horizontal scroll (${what}): ${scroll} px wide in ${client} px (${culprits.join(", ")})`);
    }
    // Nor a part that scrolls sideways inside the page (a form wider than its card).
    const inner = await this.exec(
      "const c = document.querySelector('.content');" +
        "return Array.from(document.querySelectorAll('body *')).filter((e) => e !== c && " +
        "['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)" +
        ".map((e) => e.tagName + (e.id ? '#' + e.id : '') + ' ' + e.scrollWidth + ' px in ' + e.clientWidth);",
    );
    for (const part of inner) problems.push(`horizontal scroll inside ${part}`);
    const text = await this.exec("return document.body.innerText;");
    const iso = text.match(/\b\d{4}-\d{2}-\d{2}\b/);
    if (iso) problems.push(`ISO date « ${iso[0]} »`);
    const english = text.match(ENGLISH);
    if (english) problems.push(`English word « ${english[0]} »`);
    return problems;
  }

  /** The promises of every page, and (axe-core) no serious or critical accessibility violation. */
  async pageProblems() {
    const problems = await this.textProblems();
    if (!(await this.exec("return typeof window.axe === 'object';"))) {
      await this.exec(readFileSync(AXE, "utf8") + "\n;return true;");
    }
    const violations = await this.cmd("POST", "/execute/async", {
      script:
        "const done = arguments[arguments.length - 1]; window.axe.run(document, { resultTypes: ['violations'] })" +
        ".then((r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')" +
        ".map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)))" +
        ".catch((e) => done([`axe failed: ${e}`]));",
      args: [],
    });
    problems.push(...violations);
    return problems;
  }

  /** Saves a PNG of the window under .e2e/, after two animation frames, once the page keeps the promises
   * of every page (textProblems: a screenshot is a checkpoint). */
  async screenshot(name) {
    const problems = await this.textProblems();
    if (problems.length) throw new Error(`${name}: ${problems.join(" ; ")}`);
    await this.cmd("POST", "/execute/async", {
      script:
        "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => " +
        "requestAnimationFrame(() => done(true)));",
      args: [],
    });
    // Without the DMA-BUF renderer (the desk's default: 95 MB less), WebKit's
    // snapshot waits for the next frame, which a still page never draws: a
    // pixel of ours changes each frame until the snapshot is taken.
    await this.exec(
      "const d = document.createElement('div'); d.id = 'shot-tick'; d.setAttribute('aria-hidden', 'true');" +
        "d.style.cssText = 'position:fixed;left:0;bottom:0;width:1px;height:1px;pointer-events:none;';" +
        "document.body.append(d); let n = 0;" +
        "const tick = () => { if (!d.isConnected) return; d.style.background = (n++ % 2) ? '#fffffe' : '#ffffff';" +
        "requestAnimationFrame(tick); }; requestAnimationFrame(tick);",
    );
    let b64;
    try {
      b64 = await this.cmd("GET", "/screenshot");
    } finally {
      await this.exec("document.getElementById('shot-tick')?.remove();");
    }
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, `${name}.png`);
    writeFileSync(file, Buffer.from(b64, "base64"));
    return file;
  }

  /** Ends the session, stops tauri-driver with SIGTERM (so WebKitWebDriver goes
   * too), and stops any app process of this test still running. */
  async close() {
    try {
      await fetch(`${this.base}/session/${this.id}`, { method: "DELETE" });
    } catch {
      /* already gone */
    }
    this.driver.kill("SIGTERM");
    await new Promise((res) => {
      if (this.driver.exitCode !== null) return res();
      const t = setTimeout(res, 5000);
      this.driver.on("exit", () => {
        clearTimeout(t);
        res();
      });
    });
    killLeftovers(this.home);
  }
}

export const ENTER = "\uE007";

/** `YYYY-MM-DD` of `days` days ago, and the same day as `dd/mm/yyyy`. */
export function isoDaysAgo(days) {
  return new Date(Date.now() - days * 86400000).toISOString().slice(0, 10);
}
export const frDate = (iso) => iso.split("-").reverse().join("/");

/** Types `path` into the GTK file dialog titled `title` and confirms it (xdotool). */
export function answerSaveDialog(title, path) {
  const xdo = (...args) => execFileSync("xdotool", args, { encoding: "utf8", timeout: 20000 }).trim();
  const id = xdo("search", "--sync", "--onlyvisible", "--name", regexOf(title)).split("\n")[0];
  xdo("windowfocus", "--sync", id);
  xdo("key", "--window", id, "--clearmodifiers", "ctrl+a");
  xdo("type", "--window", id, "--delay", "15", path);
  xdo("key", "--window", id, "Return");
}

/** Types `path` into the GTK open dialog titled `title` and confirms it (xdotool): the
 * dialog is opened by the Rust side; the page only ever gets a handle of the file. */
export function answerOpenDialog(title, path) {
  const xdo = (...args) => execFileSync("xdotool", args, { encoding: "utf8", timeout: 20000 }).trim();
  const id = xdo("search", "--sync", "--onlyvisible", "--name", regexOf(title)).split("\n")[0];
  xdo("windowfocus", "--sync", id);
  execFileSync("sleep", ["0.5"]);
  // Ctrl+L opens the location field of GTK's file chooser; the first Return
  // may only take the field's completion, the second opens the file.
  xdo("key", "--window", id, "--clearmodifiers", "ctrl+l");
  execFileSync("sleep", ["0.3"]);
  xdo("type", "--window", id, "--delay", "15", path);
  execFileSync("sleep", ["0.5"]);
  xdo("key", "--window", id, "Return");
  execFileSync("sleep", ["0.5"]);
  let still = "";
  try {
    still = execFileSync("xdotool", ["search", "--onlyvisible", "--name", regexOf(title)], { encoding: "utf8" }).trim();
  } catch {
    // No such window any more (xdotool exits 1): the file was opened.
  }
  if (still.split("\n").includes(id)) xdo("key", "--window", id, "Return");
}

/** xdotool's --name is a regular expression: a title's parentheses are literal. */
function regexOf(title) {
  return title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Runs the `guichet` CLI on the desk's database (set-up before the window opens). */
export function cli(home, args, { input, env } = {}) {
  const db = `sqlite://${join(home, "data", "ma.mutuelle.guichet", "guichet.sqlite3")}`;
  return execFileSync(join(TARGET, "debug", "guichet"), ["--database", db, ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, ...(env ?? {}) },
  });
}

/** SIGTERM to every process whose environment names this test's data folder. */
function killLeftovers(home) {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (
        Number(pid) !== process.pid &&
        readFileSync(`/proc/${pid}/environ`, "utf8").includes(`XDG_DATA_HOME=${join(home, "data")}`)
      ) {
        process.kill(Number(pid), "SIGTERM");
      }
    } catch {
      /* gone, or not ours to read */
    }
  }
}

/**
 * Brings a dossier from its recording to « complet » through a site's CLI:
 * `sys` records it in collection `collectionId`, `claims` (a claims user's
 * calls) takes it, ticks the claim form's two blocks, saves its care lines
 * (each `{act, quantity, charged}` on `day` for the beneficiary) and marks it
 * complete. Returns the dossier.
 */
export function completeDossierByCli(
  sys,
  claims,
  { collectionId, formNumber, beneficiaryId, day, total, pieces, lines },
) {
  const r = sys("dossier_record", {
    collection_id: collectionId,
    form_number: formNumber,
    matricule: "13059",
    beneficiary_id: beneficiaryId,
    kind: "maladie",
    first_act_date: day,
    total_claimed: total,
    pieces,
  });
  const d = takeByCli(claims, r.dossier);
  claims("care_lines_save", {
    dossier_id: d.id,
    version: d.version,
    lines: lines.map((l) => ({ date: day, beneficiary_id: beneficiaryId, ...l })),
  });
  const p = claims("dossier_get", { id: d.id });
  return claims("dossier_move", { id: d.id, version: p.dossier.version, move: "mark_complete" });
}

/** `claims` takes a dossier just recorded and ticks the claim form's two blocks; returns it. */
export function takeByCli(claims, dossier) {
  const d = claims("dossier_move", { id: dossier.id, version: dossier.version, move: "take" });
  return claims("dossier_checklist", {
    id: d.id,
    version: d.version,
    contents: {},
    present: ["member_block_signed", "doctor_block"],
  });
}

/**
 * A site for the tests of `guichet serve`: its database in a temporary
 * folder, the CLI on it (as the system or as one of its staff), the server on
 * it, and a paid dossier of member 13059's. Shared by the desk's server-mode
 * test and the portal's.
 */
export class Site {
  constructor(prefix) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.passwords = {};
    this.server = null;
  }

  /** The CLI on the site's database, on the server's machine. */
  cli(args, input, env = {}) {
    return execFileSync(
      join(TARGET, "debug", "guichet"),
      ["--database", `sqlite://${join(this.dir, "site.sqlite3")}`, ...args],
      { input, encoding: "utf8", env: { ...process.env, ...env } },
    );
  }

  /** An operation called as the system (the site's administrator at its console). */
  sys(op, req) {
    return JSON.parse(this.cli(["call", op, JSON.stringify(req)]));
  }

  /** Adds a staff account; returns its calls through the CLI. */
  staff(username, name, role, password) {
    this.cli(["staff", "add", "--username", username, "--name", name, "--role", role], password + "\n");
    this.passwords[username] = password;
    return this.as(username);
  }

  /** The calls of `username`, logged in with his password. */
  as(username) {
    const env = { GUICHET_PASSWORD: this.passwords[username] };
    return (op, req) => JSON.parse(this.cli(["--user", username, "call", op, JSON.stringify(req)], undefined, env));
  }

  /**
   * A dossier of member 13059 (beneficiary `beneficiaryId`) recorded in a
   * new collection of `urnId`, completed, liquidated and paid by `claims`;
   * returns the collection and the dossier as paid.
   */
  paidDossier(claims, { urnId, formNumber, beneficiaryId }) {
    const collection = this.sys("collection_open", { urn_id: urnId });
    const lines = [{ act: "C", quantity: 1, charged: "80" }];
    const spec = {
      collectionId: collection.id,
      formNumber,
      beneficiaryId,
      day: isoDaysAgo(12),
      total: "80",
      pieces: 2,
    };
    const d = completeDossierByCli(this.sys.bind(this), claims, { ...spec, lines });
    claims("dossier_liquidate", { id: d.id, version: d.version });
    claims("payment_batch_create", {});
    return { collection, dossier: claims("dossier_get", { id: d.id }).dossier };
  }

  /** `guichet serve` on the site (self-signed certificate); its first two lines (address, fingerprint). */
  async serve(listen = "127.0.0.1:0", extra = []) {
    const args = ["--database", `sqlite://${join(this.dir, "site.sqlite3")}`, "serve", "--listen", listen];
    args.push("--self-signed", join(this.dir, "tls"), ...extra);
    this.server = spawn(join(TARGET, "debug", "guichet"), args, { stdio: ["ignore", "pipe", "ignore"] });
    const server = this.server;
    return await new Promise((res, rej) => {
      const got = [];
      const timer = setTimeout(() => rej(new Error(`guichet serve printed ${JSON.stringify(got)}`)), 20000);
      createInterface({ input: server.stdout }).on("line", (l) => {
        got.push(l);
        if (got.length === 2) {
          clearTimeout(timer);
          res(got);
        }
      });
    });
  }

  /** Stops the server (SIGTERM: it closes its connections and its database). */
  stop() {
    if (this.server) this.server.kill("SIGTERM");
    this.server = null;
  }
}
