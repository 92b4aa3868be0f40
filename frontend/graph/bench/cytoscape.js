import cytoscape from "cytoscape";
import { makeGraph, palette, measureFrames, nextFrame } from "./data.js";

window.runBench = async (n, m, webgl) => {
  const data = makeGraph(n, m);
  const t0 = performance.now();
  const elements = [];
  for (const v of data.nodes) elements.push({ group: "nodes", data: { id: v.id, label: v.label, color: palette[v.type], size: v.size * 3 }, position: { x: v.x, y: v.y } });
  for (const e of data.edges) elements.push({ group: "edges", data: e });
  const cy = cytoscape({
    container: document.getElementById("graph"),
    elements,
    layout: { name: "preset" },
    renderer: webgl ? { name: "canvas", webgl: true } : undefined,
    style: [
      { selector: "node", style: { "background-color": "data(color)", width: "data(size)", height: "data(size)", label: "data(label)", "font-size": 6, "min-zoomed-font-size": 8 } },
      { selector: "edge", style: { width: 0.5, "line-color": "#999", "target-arrow-shape": "triangle", "target-arrow-color": "#999", "curve-style": webgl ? "straight" : "haystack", label: "data(label)", "font-size": 4, "min-zoomed-font-size": 8 } },
    ],
  });
  await nextFrame();
  const firstRender = performance.now() - t0;
  console.log('first render', Math.round(firstRender));
  const w = cy.width(), h = cy.height();
  const base = cy.zoom();
  const zoom = await measureFrames((t) => cy.zoom({ level: base * (1 + 9 * Math.sin(t * Math.PI)), renderedPosition: { x: w / 2, y: h / 2 } }), 3000);
  cy.zoom({ level: base * 3, renderedPosition: { x: w / 2, y: h / 2 } });
  const p0 = cy.pan();
  console.log('zoom', JSON.stringify(zoom));
  const pan = await measureFrames((t) => cy.pan({ x: p0.x - t * w * 2, y: p0.y }), 3000);
  return { library: webgl ? "cytoscape (webgl)" : "cytoscape (canvas)", firstRenderMs: Math.round(firstRender), zoom, pan };
};
