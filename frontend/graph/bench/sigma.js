import Graph from "graphology";
import Sigma from "sigma";
import { makeGraph, palette, measureFrames, nextFrame } from "./data.js";

window.runBench = async (n, m) => {
  const data = makeGraph(n, m);
  const t0 = performance.now();
  const g = new Graph({ type: "directed" });
  for (const v of data.nodes) g.addNode(v.id, { x: v.x, y: v.y, size: v.size, label: v.label, color: palette[v.type] });
  for (const e of data.edges) g.addEdgeWithKey(e.id, e.source, e.target, { label: e.label, type: "arrow", size: 1, color: "#999" });
  const renderer = new Sigma(g, document.getElementById("graph"), { renderEdgeLabels: true, labelRenderedSizeThreshold: 8 });
  await nextFrame();
  const firstRender = performance.now() - t0;
  console.log('first render', Math.round(firstRender));
  const cam = renderer.getCamera();
  const zoom = await measureFrames((t) => cam.setState({ ratio: 1 - 0.9 * Math.sin(t * Math.PI) }), 3000);
  console.log('zoom', JSON.stringify(zoom));
  const pan = await measureFrames((t) => cam.setState({ ratio: 0.3, x: 0.2 + 0.6 * t, y: 0.5 }), 3000);
  return { library: "sigma", firstRenderMs: Math.round(firstRender), zoom, pan };
};
