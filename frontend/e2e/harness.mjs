// Shared pieces of the end-to-end tests: a real `bin/engram serve` in
// temporary config and data directories, Debian's headless Chromium driven
// by playwright-core, and the official MCP client over streamable HTTP.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
export const engramBin = process.env.ENGRAM_BIN || join(repoRoot, "bin/engram");
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
export const screenshotDir = join(repoRoot, "test-output/screenshots");

// Chromium's flags for this machine (see the env notes): no sandbox as
// root, no calls home (the network is closed), and software WebGL
// (SwiftShader), which the graph needs when there is no GPU.
export const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist"];

// engram runs the engram binary to completion with env and returns its output.
export function engram(args, env) {
  return new Promise((res, rej) => {
    const p = spawn(engramBin, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", rej);
    p.on("close", (code) => (code === 0 ? res({ out, err }) : rej(new Error(`engram ${args.join(" ")} exited ${code}: ${err}`))));
  });
}

// tempHome makes the XDG config and data directories of one Engram.
export function tempHome() {
  const dir = mkdtempSync(join(tmpdir(), "engram-e2e-"));
  const env = { XDG_CONFIG_HOME: join(dir, "config"), XDG_DATA_HOME: join(dir, "data"), HOME: dir };
  mkdirSync(env.XDG_CONFIG_HOME);
  mkdirSync(env.XDG_DATA_HOME);
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// startServer runs `engram serve` on a free loopback port (ENGRAM_ADDR
// with port 0) and waits for its "Web UI: URL" line on stderr.
export async function startServer(home) {
  if (!existsSync(engramBin)) throw new Error(`${engramBin} is missing: run make build`);
  const proc = spawn(engramBin, ["serve"], {
    env: { ...process.env, ...home.env, ENGRAM_ADDR: "127.0.0.1:0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const uiURL = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`engram serve did not start within 30 s:\n${log}`)), 30000);
    const onData = (d) => {
      log += d;
      const m = log.match(/Web UI: (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    proc.stderr.on("data", onData);
    proc.stdout.on("data", onData);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`engram serve exited ${code}:\n${log}`));
    });
  });
  const base = new URL(uiURL).origin;
  const token = readFileSync(join(home.env.XDG_CONFIG_HOME, "engram", "token"), "utf8").trim();
  return {
    base,
    token,
    uiURL,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function launchBrowser() {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install chromium`);
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

// watchPage records console errors and uncaught exceptions of page;
// problems() lists them so a test can fail on any. allow(re) accepts the
// messages a test causes on purpose: Chromium logs "Failed to load
// resource: … status of 409" for a page answered with an error status.
export function watchPage(page) {
  const seen = [];
  const allowed = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = `console: ${msg.text()} (${page.url()})`;
    if (!allowed.some((re) => re.test(text))) seen.push(text);
  });
  page.on("pageerror", (err) => seen.push(`pageerror: ${err.message} (${page.url()})`));
  return { problems: () => seen.slice(), allow: (re) => allowed.push(re) };
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

// mcpClient connects the official MCP client to the server's /mcp with the
// bearer token, as an assistant would.
export async function mcpClient(server) {
  const client = new Client({ name: "engram-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", server.base), {
    requestInit: { headers: { Authorization: `Bearer ${server.token}` } },
  });
  await client.connect(transport);
  return client;
}

// callTool calls an MCP tool and returns its structured result, failing
// on a tool error.
export async function callTool(client, name, args) {
  const res = await client.callTool({ name, arguments: args });
  if (res.isError) throw new Error(`${name} failed: ${res.content.map((c) => c.text).join(" ")}`);
  return res.structuredContent;
}
