// Bundles the explorer into ../static: graph.js (one minified IIFE),
// graph-layout.js (the layout worker) and graph.css. `npm run build`;
// the output is committed so that `go build` needs no npm.
import { build } from "esbuild";

const common = { bundle: true, minify: true, target: ["es2020"], legalComments: "eof", logLevel: "info" };
await Promise.all([
  build({ ...common, entryPoints: ["src/main.js"], format: "iife", outfile: "../static/graph.js" }),
  build({ ...common, entryPoints: ["src/layout-worker.js"], format: "iife", outfile: "../static/graph-layout.js" }),
  build({ ...common, entryPoints: ["src/graph.css"], outfile: "../static/graph.css" }),
]);
