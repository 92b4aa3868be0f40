// Entry point of static/graph.js: mounts the explorer when the page has one.
import { Explorer } from "./explorer.js";

function start() {
  const graph = document.getElementById("graph");
  const form = document.getElementById("explorer-form");
  if (!graph || !form) return;
  const explorer = new Explorer({
    graph,
    form,
    status: document.getElementById("graph-status"),
    more: document.getElementById("load-more"),
    legend: document.getElementById("graph-legend"),
    detail: document.getElementById("graph-detail"),
  });
  window.engramExplorer = explorer; // for the end-to-end tests and debugging
  explorer.mount().catch((err) => {
    document.getElementById("graph-status").textContent = `The graph cannot be drawn: ${err.message}`;
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
