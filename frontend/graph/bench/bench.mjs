// Measures sigma.js and cytoscape.js with 5,000 nodes and 8,000 edges in
// headless Chromium: time to first render and frame rate while zooming and
// panning. Prints the numbers for README.md. `npm run bench`.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const page = (script) => `<!doctype html><meta charset="utf-8"><style>html,body,#graph{margin:0;width:100%;height:100%}</style><div id="graph"></div><script>${script}</script>`;
const bundle = async (entry) => (await build({ entryPoints: [join(here, entry)], bundle: true, minify: true, format: "iife", write: false })).outputFiles[0].text;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
});
const [n, m] = [Number(process.env.NODES || 5000), Number(process.env.EDGES || 8000)];
const runs = [["sigma.js", false], ["cytoscape.js", false], ["cytoscape.js", true]].filter(([f, gl]) => !process.env.ONLY || `${f}${gl ? "+webgl" : ""}` === process.env.ONLY);
for (const [entry, webgl] of runs) {
  const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  p.on("pageerror", (e) => console.error(entry, e));
  p.on("console", (msg) => console.error(entry, msg.type(), msg.text()));
  await p.setContent(page(await bundle(entry)));
  const r = await p.evaluate(([a, b, c]) => window.runBench(a, b, c), [n, m, webgl]);
  console.log(JSON.stringify(r));
  await p.close();
}
await browser.close();
