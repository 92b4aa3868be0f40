// Speed of the explorer with a large store (numbers for the notes, never
// asserted): imports N generated memories (default 10,000) with
// `engram import`, then measures /api/graph's server time and the page's
// time to interactive (navigation start → graph drawn and "showing X of Y")
// in headless Chromium, and the frame rate while zooming 5,000 drawn nodes.
// `npm run speed` (after `make build`); MEMORIES=… to change the size.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { engram, launchBrowser, startServer, tempHome } from "./harness.mjs";

const N = Number(process.env.MEMORIES || 10000);
const TYPES = ["task", "code_pattern", "problem", "solution", "project", "technology", "error", "fix", "command",
  "file_context", "workflow", "general", "conversation"];
const RELS = ["SOLVES", "CAUSES", "RELATED_TO", "DEPENDS_ON", "APPLIES_TO", "BUILDS_ON", "SIMILAR_TO"];
const WORDS = ["cache", "timeout", "redis", "pool", "sqlite", "index", "query", "deploy", "build", "test", "retry",
  "token", "graph", "memory", "search", "layout", "config", "logging", "parser", "network"];

// mulberry32: a small seeded generator (an LCG in doubles loses bits and
// repeats after a few thousand draws).
let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];

function engramFile(path) {
  const now = new Date().toISOString();
  const mems = [], rels = [];
  for (let i = 0; i < N; i++) {
    const words = [pick(WORDS), pick(WORDS), pick(WORDS)];
    mems.push(JSON.stringify({
      id: `speed-${i}`, type: TYPES[i % TYPES.length], title: `${words.join(" ")} note ${i}`,
      content: `Generated memory ${i} about ${words.join(", ")}.`, summary: `About ${words[0]}.`,
      tags: [words[0], words[1]], importance: Math.round(rand() * 100) / 100, confidence: 0.8,
      context: {}, created_at: now, updated_at: now, access_count: 0, version: 1,
    }));
  }
  const seen = new Set();
  while (rels.length < Math.round(N * 1.5)) {
    const a = Math.floor(rand() * N), b = Math.floor(rand() * N), t = pick(RELS);
    if (a === b || seen.has(`${a} ${b} ${t}`)) continue;
    seen.add(`${a} ${b} ${t}`);
    rels.push(JSON.stringify({ id: `speed-rel-${rels.length}`, from_id: `speed-${a}`, to_id: `speed-${b}`, type: t,
      strength: 0.5, confidence: 0.8, evidence_count: 1, created_at: now, updated_at: now }));
  }
  writeFileSync(path, `{"format":"engram","format_version":1,"exported_at":"${now}",\n"memories":[\n${mems.join(",\n")}\n],\n"relationships":[\n${rels.join(",\n")}\n]}\n`);
  return rels.length;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function apiTimes(server, query, runs = 7) {
  const client = [], serverSide = [];
  let body;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.base}/api/graph?${query}`, { headers: { Authorization: `Bearer ${server.token}` } });
    body = await res.json();
    client.push(performance.now() - t0);
    const st = res.headers.get("server-timing");
    const dur = st && st.match(/dur=([\d.]+)/);
    if (dur) serverSide.push(Number(dur[1]));
  }
  return { query, nodes: body.nodes.length, edges: body.edges.length, total: body.total,
    fetchMs: Math.round(median(client)), serverTimingMs: serverSide.length ? Math.round(median(serverSide)) : "no Server-Timing header" };
}

async function explorerTimes(page, base, path) {
  await page.goto(base + path);
  await page.waitForFunction(() => performance.getEntriesByName("engram:graph-drawn").length > 0 &&
    /Showing \d+ of \d+/.test(document.getElementById("graph-status").textContent), null, { timeout: 120000 });
  return page.evaluate(() => {
    const drawn = performance.getEntriesByName("engram:graph-drawn")[0].startTime;
    const api = performance.getEntriesByType("resource").find((r) => r.name.includes("/api/graph"));
    return { nodes: Number(document.getElementById("graph").dataset.nodes), edges: Number(document.getElementById("graph").dataset.edges),
      status: document.getElementById("graph-status").textContent,
      timeToInteractiveMs: Math.round(drawn), apiResponseEndMs: api ? Math.round(api.responseEnd) : null,
      domContentLoadedMs: Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd) };
  });
}

// fps counts frames while the camera zooms in and out for three seconds.
function fps(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const cam = window.engramExplorer.renderer.getCamera();
    let frames = 0, worst = 0;
    const t0 = performance.now();
    let last = t0;
    const tick = (now) => {
      frames++;
      worst = Math.max(worst, now - last);
      last = now;
      const t = (now - t0) / 3000;
      if (t >= 1) return resolve({ fps: Math.round((frames * 10000) / (now - t0)) / 10, worstFrameMs: Math.round(worst) });
      cam.setState({ ratio: 1 - 0.8 * Math.sin(t * Math.PI) });
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
}

const home = tempHome();
const file = join(home.dir, "speed.json");
const edges = engramFile(file);
let t0 = performance.now();
await engram(["import", file], home.env);
console.log(`import: ${N} memories, ${edges} relationships in ${Math.round(performance.now() - t0)} ms`);
const server = await startServer(home);
const browser = await launchBrowser();
try {
  for (const q of ["limit=500", "q=cache+timeout&limit=500", "type=problem&limit=500", "limit=5000"]) {
    console.log("api", JSON.stringify(await apiTimes(server, q)));
  }
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (e) => console.error("pageerror", e.message));
  await page.goto(server.uiURL);
  for (const path of ["/", "/?q=cache+timeout", "/?limit=5000"]) {
    const times = [];
    for (let i = 0; i < 3; i++) times.push(await explorerTimes(page, server.base, path));
    const best = times.reduce((a, b) => (a.timeToInteractiveMs <= b.timeToInteractiveMs ? a : b));
    console.log("explorer", path, JSON.stringify({ ...best, runsMs: times.map((t) => t.timeToInteractiveMs) }));
  }
  await page.waitForFunction(() => document.getElementById("graph").dataset.layout !== "running", null, { timeout: 300000 });
  console.log("zoom with", await page.getAttribute("#graph", "data-nodes"), "nodes:", JSON.stringify(await fps(page)));
} finally {
  await browser.close();
  await server.stop();
  home.remove();
}
