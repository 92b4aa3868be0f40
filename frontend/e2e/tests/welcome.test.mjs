// The first-run welcome page end to end: a real `engram serve` in a
// temporary home, Debian's headless Chromium installing an assistant's
// config with one click and following the offer of a local Neo4j to a
// filled-in settings form. Screenshots: test-output/screenshots/welcome*.png.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { launchBrowser, screenshot, startServer, tempHome, watchPage } from "../harness.mjs";

// boltStandIn listens where a Neo4j installed with its defaults does
// (127.0.0.1:7687) and answers the Bolt handshake with version 5.8, which
// is all engram's look for a local Neo4j asks of it. Resolves to null when
// the port is taken (a real Neo4j may be there).
function boltStandIn() {
  const server = createServer((socket) => {
    socket.once("data", () => socket.end(Buffer.from([0, 0, 8, 5])));
    socket.on("error", () => {});
  });
  return new Promise((res) => {
    server.once("error", () => res(null));
    server.listen(7687, "127.0.0.1", () => res(server));
  });
}

describe("welcome page", () => {
  let home, server, browser, context, page, watch, bolt;

  before(async () => {
    home = tempHome();
    bolt = await boltStandIn();
    server = await startServer(home);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
    page = await context.newPage();
    watch = watchPage(page);
    await page.goto(server.uiURL); // the token link: sets the session cookie
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    bolt?.close();
    home?.remove();
  });

  it("says what Engram is and where the memories are", async () => {
    await page.goto(server.base + "/welcome");
    assert.equal(await page.textContent("h1"), "Welcome to Engram");
    assert.match(await page.textContent("#memory-count"), /0\s+memories/);
    assert.match(await page.textContent("#store-name"), /SQLite file on this computer: .*engram/);
    assert.equal(await page.getAttribute("#nav a[aria-current=page]", "href"), "/welcome");
    for (const name of ["claude-desktop", "claude-code", "cursor"]) {
      assert.ok(await page.isVisible(`#install-${name}`), `install button of ${name}`);
    }
    await screenshot(page, "welcome");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "welcome-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("connects an assistant with one click", async () => {
    await page.goto(server.base + "/welcome");
    await Promise.all([page.waitForNavigation(), page.click("#install-claude-code")]);
    // The answer shows on the welcome page, beside the assistant.
    assert.equal(await page.textContent("h1"), "Welcome to Engram");
    const result = await page.textContent("#install-result-claude-code");
    const file = join(home.dir, ".claude.json");
    assert.match(result, /Installed into .*\.claude\.json/);
    assert.match(await page.getAttribute("#install-result-claude-code", "class"), /ok-box/);
    assert.ok(existsSync(file), `${file} was not written`);
    const config = JSON.parse(readFileSync(file, "utf8"));
    assert.ok(config.mcpServers?.engram, `no engram entry in ${file}`);
    await screenshot(page, "welcome-installed");
  });

  it("offers the local Neo4j and fills the settings form with it", async (t) => {
    if (!bolt) {
      t.skip("127.0.0.1:7687 is taken: cannot stand in for a local Neo4j");
      return;
    }
    await page.goto(server.base + "/welcome");
    assert.match(await page.textContent("#local-neo4j"), /A Neo4j server answers at bolt:\/\/localhost:7687/);
    await Promise.all([page.waitForURL((u) => u.pathname === "/settings"), page.click("#use-local-neo4j")]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("neo4j_uri"), "bolt://localhost:7687");
    assert.equal(url.hash, "#storage");
    assert.ok(await page.isChecked('#storage-form input[name="backend"][value="neo4j"]'), "Neo4j is chosen");
    assert.equal(await page.inputValue("#neo4j_uri"), "bolt://localhost:7687");
    assert.equal(await page.inputValue("#neo4j_user"), "neo4j");
    assert.ok(await page.isVisible("#suggested-neo4j"));
    await screenshot(page, "settings-prefilled");

    // The plain link goes to the same form, unfilled.
    await page.goto(server.base + "/welcome");
    await Promise.all([page.waitForURL((u) => u.pathname === "/settings"), page.click("#use-neo4j")]);
    assert.ok(await page.isVisible("#storage-form"));
  });

  it("logs no console errors", () => {
    assert.deepEqual(watch.problems(), []);
  });
});
