// The web UI end to end: a real `engram serve`, memories stored by the
// official MCP client over streamable HTTP, and Debian's headless Chromium
// finding, editing, linking and deleting them. Screenshots of every page go
// to test-output/screenshots. Run by `make e2e`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  callTool, launchBrowser, mcpClient, screenshot, startServer, tempHome, watchPage,
} from "../harness.mjs";

let home, server, client, browser, context;
const watchers = [];
const ids = {};

// page opens a new tab (the session cookie is shared by the context) and
// records its console errors.
async function page() {
  const p = await context.newPage();
  const w = watchPage(p);
  watchers.push(w);
  p.allowConsole = w.allow;
  return p;
}

async function waitGraph(p) {
  await p.waitForFunction(() => /Showing \d+ of \d+/.test(document.getElementById("graph-status")?.textContent || ""), null, { timeout: 30000 });
  await p.waitForFunction(() => document.getElementById("graph").dataset.layout !== "running", null, { timeout: 60000 });
  // Two frames: sigma draws the last positions (and hit-tests on them).
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// nodeOnScreen is where the graph draws memory id, in page coordinates.
function nodeOnScreen(p, id) {
  return p.evaluate((id) => {
    const ex = window.engramExplorer;
    const v = ex.renderer.graphToViewport(ex.graph.getNodeAttributes(id));
    const r = document.getElementById("graph").getBoundingClientRect();
    return { x: r.left + v.x, y: r.top + v.y };
  }, id);
}

// clickNode clicks memory id in the graph (count 2: double click).
async function clickNode(p, id, count = 1) {
  const pos = await nodeOnScreen(p, id);
  await p.mouse.move(pos.x, pos.y);
  if (count === 2) await p.mouse.dblclick(pos.x, pos.y);
  else await p.mouse.click(pos.x, pos.y);
}

const graphHas = (p, id) => p.evaluate((id) => window.engramExplorer.graph.hasNode(id), id);
const status = (p) => p.textContent("#graph-status");

describe("web UI", () => {
  before(async () => {
    home = tempHome();
    server = await startServer(home);
    client = await mcpClient(server);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const store = async (key, args) => {
      ids[key] = (await callTool(client, "store_memory", args)).id;
    };
    await store("timeout", { type: "problem", title: "Cache lookups time out under load", content: "Redis **GET** calls exceed 2 s when the pool is exhausted.", summary: "Pool exhaustion makes cache reads slow.", tags: ["redis", "cache"], importance: 0.9 });
    await store("pool", { type: "solution", title: "Raise the Redis pool size to 64", content: "Set `pool_size: 64` in config/cache.yml.", tags: ["redis"], importance: 0.7 });
    await store("go", { type: "technology", title: "Go 1.26 toolchain", content: "The project builds with Go 1.26.", tags: ["go"] });
    await store("ci", { type: "workflow", title: "Run make test before pushing", content: "CI runs the same target.", tags: ["ci"] });
    await store("gofmt", { type: "command", title: "gofmt -l .", content: "Lists unformatted files.", tags: ["go"] });
    for (let i = 0; i < 12; i++) {
      await store(`note${i}`, { type: "general", title: `Background note number ${i}`, content: `Filler ${i} for paging.`, tags: ["filler"], importance: 0.2 });
    }
    await callTool(client, "create_relationship", { from_memory_id: ids.pool, to_memory_id: ids.timeout, relationship_type: "SOLVES" });
    await callTool(client, "create_relationship", { from_memory_id: ids.gofmt, to_memory_id: ids.go, relationship_type: "APPLIES_TO" });
    await callTool(client, "create_relationship", { from_memory_id: ids.ci, to_memory_id: ids.gofmt, relationship_type: "DEPENDS_ON" });
    // Opening the UI once with the token sets the session cookie.
    const p = await page();
    await p.goto(server.uiURL);
    assert.ok(!p.url().includes("token="), `the token stays in the address bar: ${p.url()}`);
    await p.close();
  });

  after(async () => {
    await client?.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    home?.remove();
  });

  it("draws the graph, with a legend, and lists the shown memories", async () => {
    const p = await page();
    await p.goto(server.base + "/");
    await waitGraph(p);
    assert.match(await status(p), /Showing 17 of 17 memories/);
    assert.equal(await p.getAttribute("#graph", "data-nodes"), "17");
    assert.equal(await p.getAttribute("#graph", "data-edges"), "3");
    assert.ok(await p.isVisible('#graph-legend .legend-item[data-type="problem"]'), "legend has the problem type");
    await screenshot(p, "explorer");
    // Legend: hiding a type hides its nodes, and shows them again.
    await p.click('#graph-legend .legend-item[data-type="general"]');
    assert.equal(await p.getAttribute('#graph-legend .legend-item[data-type="general"]', "aria-pressed"), "false");
    assert.ok(await p.evaluate(() => window.engramExplorer.renderer.getNodeDisplayData(
      window.engramExplorer.graph.filterNodes((_, a) => a.memoryType === "general")[0]).hidden), "general nodes hidden");
    await p.click('#graph-legend .legend-item[data-type="general"]');
    // Dragging moves a node and pins it.
    const at = () => p.evaluate((id) => window.engramExplorer.graph.getNodeAttributes(id), ids.timeout);
    const from = await at();
    const pos = await nodeOnScreen(p, ids.timeout);
    await p.mouse.move(pos.x, pos.y);
    await p.mouse.down();
    await p.mouse.move(pos.x + 60, pos.y + 40, { steps: 5 });
    await p.mouse.up();
    const to = await at();
    assert.ok(to.fixed && (to.x !== from.x || to.y !== from.y), `dragged node moved: ${JSON.stringify([from, to])}`);
    // Dark mode: colours follow the system.
    await p.emulateMedia({ colorScheme: "dark" });
    await p.waitForTimeout(200);
    await screenshot(p, "explorer-dark");
    await p.emulateMedia({ colorScheme: "light" });
    // The accessible list links every shown memory.
    await p.click("#graph-list summary");
    // The list fills on the details' toggle event, after the click returns.
    await p.waitForFunction(() => document.querySelectorAll("#graph-list li").length === 17);
    const row = p.locator("#graph-list li", { has: p.locator(`a[href="/memories/${ids.pool}"]`) });
    await row.locator("button.list-select").click();
    await p.waitForSelector(`#graph-detail-open[href="/memories/${ids.pool}"]`);
    await p.close();
  });

  it("finds memories by search and by type, and keeps the filters in the URL", async () => {
    const p = await page();
    await p.goto(server.base + "/");
    await waitGraph(p);
    await p.fill("#q", "redis pool");
    await p.click('#explorer-form button[type="submit"]');
    await p.waitForFunction(() => /Showing [12] of [12] /.test(document.getElementById("graph-status").textContent));
    assert.ok(await graphHas(p, ids.pool), "search finds the pool solution");
    assert.ok(!(await graphHas(p, ids.ci)), "search leaves out unrelated memories");
    assert.match(p.url(), /q=redis\+pool/);
    await screenshot(p, "explorer-search");

    await p.fill("#q", "");
    await p.check('#type-filter input[value="command"]');
    await p.click('#explorer-form button[type="submit"]');
    await p.waitForFunction(() => /Showing 1 of 1 memory/.test(document.getElementById("graph-status").textContent));
    assert.ok(await graphHas(p, ids.gofmt), "type filter keeps the command");
    assert.match(p.url(), /type=command/);
    // Reload and back keep the filters.
    await p.reload();
    await waitGraph(p);
    assert.match(await status(p), /Showing 1 of 1 memory/);
    assert.ok(await p.isChecked('#type-filter input[value="command"]'));
    await p.goBack();
    await p.waitForFunction(() => /Showing [12] of [12] /.test(document.getElementById("graph-status").textContent));
    assert.equal(await p.inputValue("#q"), "redis pool");
    await p.close();
  });

  it("pages with load more", async () => {
    const p = await page();
    await p.goto(server.base + "/?limit=5");
    await waitGraph(p);
    assert.match(await status(p), /Showing 5 of 17/);
    assert.ok(await p.isVisible("#load-more"));
    await p.click("#load-more");
    await p.waitForFunction(() => /Showing 10 of 17/.test(document.getElementById("graph-status").textContent));
    const nodes = Number(await p.getAttribute("#graph", "data-nodes"));
    assert.ok(nodes >= 10, `${nodes} nodes after load more`);
    await p.close();
  });

  it("selects a node, shows its details, expands its neighbours and opens it", async () => {
    const p = await page();
    await p.goto(server.base + "/?q=gofmt");
    await waitGraph(p);
    assert.ok(await graphHas(p, ids.gofmt));
    const before = Number(await p.getAttribute("#graph", "data-nodes"));
    await clickNode(p, ids.gofmt);
    await p.waitForSelector("#graph-detail-open");
    assert.equal(await p.textContent("#graph-detail .detail-title"), "gofmt -l .");
    assert.match(await p.textContent("#graph-detail .detail-rels"), /APPLIES_TO/);
    await screenshot(p, "explorer-detail");
    // Escape clears the selection.
    await p.keyboard.press("Escape");
    assert.equal(await p.getAttribute("#graph", "data-selected"), "");
    // Double click expands: the neighbours of gofmt's neighbours arrive.
    await clickNode(p, ids.gofmt, 2);
    await p.waitForFunction(() => /neighbours? added/.test(document.getElementById("graph-status").textContent));
    const afterExpand = Number(await p.getAttribute("#graph", "data-nodes"));
    assert.ok(afterExpand >= before, `nodes ${before} → ${afterExpand}`);
    // Enter on the focused graph expands the selection too.
    await p.focus("#graph");
    await p.keyboard.press("Enter");
    await p.waitForSelector("#graph-detail-open");
    await Promise.all([p.waitForURL(`**/memories/${ids.gofmt}`), p.click("#graph-detail-open")]);
    assert.equal(await p.textContent("#memory-title"), "gofmt -l .");
    await p.close();
  });

  it("reaches the search box with the keyboard", async () => {
    const p = await page();
    await p.goto(server.base + "/");
    await waitGraph(p);
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await p.keyboard.press("Tab");
      reached = await p.evaluate(() => document.activeElement?.id === "q");
    }
    assert.ok(reached, "Tab reaches #q within 12 presses");
    await p.close();
  });

  it("shows a memory, edits it, reports a bad value and a version conflict", async () => {
    const p = await page();
    await p.goto(`${server.base}/memories/${ids.timeout}`);
    assert.equal(await p.textContent("#memory-title"), "Cache lookups time out under load");
    assert.ok((await p.innerHTML("#memory-content")).includes("<strong>GET</strong>"), "content rendered as Markdown");
    await screenshot(p, "memory");

    await p.fill("#title", "Cache lookups time out when the pool is exhausted");
    await Promise.all([p.waitForLoadState("load"), p.click("#save")]);
    await p.waitForFunction(() => document.getElementById("memory-title")?.textContent === "Cache lookups time out when the pool is exhausted");

    // The bad value and the conflict are answered 400 and 409, which
    // Chromium reports on the console: expected here, nowhere else.
    p.allowConsole(/Failed to load resource: the server responded with a status of (400|409|422)/);
    await p.fill("#importance", "7");
    await p.click("#save");
    await p.waitForSelector("#error-importance");
    assert.match(await p.textContent("#error-importance"), /between 0 and 1/);
    await screenshot(p, "memory-invalid");

    // Someone else changes it meanwhile: saving shows the conflict.
    await p.goto(`${server.base}/memories/${ids.timeout}`);
    await callTool(client, "update_memory", { memory_id: ids.timeout, summary: "Changed by an assistant." });
    await p.fill("#summary", "Changed in the browser.");
    await p.click("#save");
    await p.waitForSelector("#conflict");
    assert.match(await p.textContent("#conflict"), /changed elsewhere/i);
    await screenshot(p, "memory-conflict");
    await p.click("#conflict-overwrite");
    await p.waitForFunction(() => !document.getElementById("conflict"));
    const got = await callTool(client, "get_memory", { memory_id: ids.timeout });
    assert.equal((got.memory || got).summary, "Changed in the browser.");
    await p.close();
  });

  it("adds and removes a relationship", async () => {
    const p = await page();
    await p.goto(`${server.base}/memories/${ids.timeout}`);
    await p.fill("#rel-search", "toolchain");
    const pick = p.locator(`#rel-search-results button[data-id="${ids.go}"]`);
    await pick.waitFor();
    await pick.click();
    await p.selectOption("#new-rel-type", "RELATED_TO");
    await p.click("#add-relationship-submit");
    const row = p.locator(`#relationships li.relationship[data-other="${ids.go}"][data-type="RELATED_TO"]`);
    await row.waitFor();
    await screenshot(p, "memory-relationship");
    await row.locator("button.remove-relationship").click();
    await row.waitFor({ state: "detached" });
    assert.equal(await p.locator(`#relationships li.relationship[data-other="${ids.pool}"]`).count(), 1, "the SOLVES edge stays");
    await p.close();
  });

  it("deletes a memory after confirmation", async () => {
    const p = await page();
    await p.goto(`${server.base}/memories/${ids.ci}`);
    await p.click("#delete-link");
    await p.waitForSelector("#confirm-delete");
    await screenshot(p, "memory-delete");
    await Promise.all([p.waitForURL((u) => u.pathname === "/"), p.click("#confirm-delete")]);
    await waitGraph(p);
    assert.ok(!(await graphHas(p, ids.ci)), "deleted memory is not drawn");
    const res = await client.callTool({ name: "get_memory", arguments: { memory_id: ids.ci } });
    assert.ok(res.isError, "get_memory of a deleted memory fails");
    await p.close();
  });

  it("shows changes made over MCP live", async () => {
    const p = await page();
    await p.goto(server.base + "/");
    await waitGraph(p);
    await p.waitForTimeout(300); // the event stream connects
    let t0 = Date.now();
    const stored = await callTool(client, "store_memory", { type: "fix", title: "Live fix stored by an assistant", content: "Arrives over SSE." });
    await p.waitForFunction((id) => window.engramExplorer.graph.hasNode(id), stored.id, { timeout: 10000 });
    console.log(`# live: a memory stored over MCP was drawn after ${Date.now() - t0} ms`);
    t0 = Date.now();
    await callTool(client, "create_relationship", { from_memory_id: stored.id, to_memory_id: ids.timeout, relationship_type: "SOLVES" });
    await p.waitForFunction(([a, b]) => window.engramExplorer.graph.someEdge((e, _, s, t) => s === a && t === b), [stored.id, ids.timeout], { timeout: 10000 });
    console.log(`# live: a relationship created over MCP was drawn after ${Date.now() - t0} ms`);
    t0 = Date.now();
    await callTool(client, "delete_memory", { memory_id: stored.id });
    await p.waitForFunction((id) => !window.engramExplorer.graph.hasNode(id), stored.id, { timeout: 10000 });
    console.log(`# live: a memory deleted over MCP disappeared after ${Date.now() - t0} ms`);
    await screenshot(p, "explorer-live");

    // The memory page says when its memory changes elsewhere.
    await p.goto(`${server.base}/memories/${ids.pool}`);
    await p.waitForTimeout(300);
    t0 = Date.now();
    await callTool(client, "update_memory", { memory_id: ids.pool, importance: 0.95 });
    await p.waitForSelector("#live-banner:not([hidden])", { timeout: 10000 });
    console.log(`# live: the memory page showed the change after ${Date.now() - t0} ms`);
    await p.close();
  });

  it("renders the overview and settings pages", async () => {
    const p = await page();
    await p.goto(server.base + "/overview");
    for (const id of ["counts", "top-tags", "recent", "unresolved"]) assert.ok(await p.isVisible(`#${id}`), `#${id} on the overview`);
    await screenshot(p, "overview");
    await p.goto(server.base + "/settings");
    for (const id of ["storage-form", "test-connection", "connect"]) assert.ok(await p.isVisible(`#${id}`), `#${id} on settings`);
    await screenshot(p, "settings");
    // Test connection answers clearly for a Neo4j that is not there (a
    // closed loopback port: refused at once).
    await p.check('#storage-form input[name="backend"][value="neo4j"]');
    await p.fill('#storage-form [name="neo4j_uri"]', "neo4j://127.0.0.1:1");
    await p.fill('#storage-form [name="neo4j_user"]', "neo4j");
    await p.fill('#storage-form [name="neo4j_password"]', "wrong");
    p.allowConsole(/Failed to load resource: the server responded with a status of (400|502|503)/);
    await p.click("#test-connection");
    // "Testing…" first, then the answer, marked ok-box or error-box.
    await p.waitForFunction(() => /ok-box|error-box/.test(document.getElementById("test-result")?.className || ""), null, { timeout: 15000 });
    assert.match(await p.getAttribute("#test-result", "class"), /error-box/);
    assert.match(await p.textContent("#test-result"), /127\.0\.0\.1:1/);
    await screenshot(p, "settings-test-connection");

    // A memory written by hand on the new-memory page.
    await p.goto(server.base + "/memories/new");
    await screenshot(p, "memory-new");
    await p.selectOption("#type", "task");
    await p.fill("#title", "Write the release notes");
    await p.fill("#content", "Cover the web UI.");
    await Promise.all([p.waitForURL((u) => /^\/memories\/[^/]+$/.test(u.pathname) && u.pathname !== "/memories/new"), p.click("#save")]);
    assert.equal(await p.textContent("#memory-title"), "Write the release notes");
    await p.close();
  });

  it("logs no console errors on any page", () => {
    const problems = watchers.flatMap((w) => w.problems());
    assert.deepEqual(problems, []);
  });
});
