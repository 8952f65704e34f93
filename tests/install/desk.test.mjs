// The installed desk (scripts/test-install.sh): started from /usr/bin under
// Xvfb on a database made by version 0.1.0, it migrates it and shows the
// login screen; the user logs in, « À propos » names the versions and where
// the data and logs are. Prints the cold start to the login screen and the
// memory after login, WebKit's helper processes counted.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { launch, ENTER } from "../e2e/webdriver.mjs";

const app = process.env.GUICHET_APP;
const db = process.env.GUICHET_INSTALL_DB;
const version = process.env.GUICHET_VERSION;
let w;

before(async () => {
  assert.equal(app, "/usr/bin/guichet-desktop", "run by scripts/test-install.sh, on the installed binary");
  w = await launch({ GUICHET_DATABASE_URL: `sqlite://${db}` });
});
after(async () => {
  if (w) await w.close();
});

/** The process and every descendant (WebKitWebProcess, WebKitNetworkProcess). */
function tree(root) {
  const parent = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* gone */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

function memoryKb(pid, key) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

test("the installed desk opens an old database, logs in, and says where it keeps things", async () => {
  await w.waitFor("#login-form", 30000);
  const coldStart = performance.now() - w.startedAt;
  await w.screenshot("install-01-connexion");

  await w.type("#f-username", "chef" + ENTER);
  await w.type("#f-password", "Guichet-2026!" + ENTER);
  await w.waitFor("#app-shell");
  assert.equal(await w.text("#current-user .name"), "Nom chef");

  await w.click("#about-open");
  await w.waitFor("#about");
  assert.equal(await w.text("#about-version"), version);
  assert.equal(
    await w.exec("return document.getElementById('about-server-version');"),
    null,
    "alone, no server version",
  );
  assert.match(await w.text("#about-schema"), /^version \d+$/);
  assert.ok(Number((await w.text("#about-schema")).split(" ")[1]) >= 14, "migrated at least to the fixture's schema");
  assert.equal(await w.text("#about-database"), `sqlite://${db}`);
  assert.match(await w.text("#about-data"), /ma\.mutuelle\.guichet$/);
  assert.match(await w.text("#about-logs"), /ma\.mutuelle\.guichet\/logs$/);
  await w.screenshot("install-02-a-propos");
  await w.keys("\uE00C"); // Échap closes it
  await w.exec("return new Promise((r) => setTimeout(r, 100));");
  assert.equal(await w.exec("return document.getElementById('about-overlay') === null;"), true);

  // Memory once logged in and settled: the desk and its WebKit helpers.
  await new Promise((r) => setTimeout(r, 2000));
  const desk = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] === app;
      } catch {
        return false;
      }
    });
  assert.ok(desk, "the installed desk's process");
  const pids = tree(desk);
  const pss = pids.reduce((s, p) => s + memoryKb(p, "Pss"), 0);
  const rss = pids.reduce((s, p) => s + memoryKb(p, "Rss"), 0);
  console.log(`installed desk: cold start to the login screen ${(coldStart / 1000).toFixed(2)} s (target < 2 s)`);
  const each = pids
    .map((p) => `${readFileSync(`/proc/${p}/comm`, "utf8").trim()} ${(memoryKb(p, "Pss") / 1024).toFixed(0)} MB`)
    .join(", ");
  console.log(
    `installed desk: memory after login ${(pss / 1024).toFixed(0)} MB PSS, ` +
      `${(rss / 1024).toFixed(0)} MB RSS, over ${pids.length} processes: ${each} (target < 250 MB)`,
  );
});
