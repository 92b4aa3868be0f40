// The ForceAtlas2 loop shared by the layout worker and its main-thread
// fallback: run iterations in slices of a few milliseconds, report
// positions after each slice, and stop on convergence or after a budget.
import iterate from "graphology-layout-forceatlas2/iterate.js";
import DEFAULTS from "graphology-layout-forceatlas2/defaults.js";
import forceAtlas2 from "graphology-layout-forceatlas2";

const PPN = 10; // floats per node in the matrix (see graphology-layout-forceatlas2/helpers.js)

// createRun returns step(), which advances the layout by one slice and
// reports whether it should go on.
export function createRun({ nodes, edges, settings, maxIterations }) {
  const n = nodes.length / PPN;
  const before = new Float32Array(n * 2);
  let done = 0;
  let calm = 0;
  return function step(sliceMs) {
    const until = performance.now() + sliceMs;
    do {
      for (let i = 0, j = 0; i < nodes.length; i += PPN, j += 2) { before[j] = nodes[i]; before[j + 1] = nodes[i + 1]; }
      iterate(settings, nodes, edges);
      done++;
      // Mean movement relative to the mean distance from the centre: below
      // 0.05 % for ten iterations running, the picture no longer changes.
      let cx = 0, cy = 0;
      for (let i = 0; i < nodes.length; i += PPN) { cx += nodes[i]; cy += nodes[i + 1]; }
      cx /= n; cy /= n;
      let moved = 0, spread = 0;
      for (let i = 0, j = 0; i < nodes.length; i += PPN, j += 2) {
        moved += Math.abs(nodes[i] - before[j]) + Math.abs(nodes[i + 1] - before[j + 1]);
        spread += Math.abs(nodes[i] - cx) + Math.abs(nodes[i + 1] - cy);
      }
      calm = moved < 0.0005 * (spread + 1) ? calm + 1 : 0;
    } while (performance.now() < until && done < maxIterations && calm < 10);
    return done < maxIterations && calm < 10;
  };
}

// settingsFor is ForceAtlas2's advice for a graph of order nodes (strong
// gravity, scaling by size), with Barnes-Hut from 1,000 nodes up: earlier
// than the library's 2,000, which keeps 1,000–2,000 nodes fluid.
export function settingsFor(order) {
  return { ...DEFAULTS, ...forceAtlas2.inferSettings(order), barnesHutOptimize: order > 1000, barnesHutTheta: 0.6 };
}

// positions copies x and y of every node out of the matrix.
export function positions(nodes) {
  const out = new Float32Array((nodes.length / PPN) * 2);
  for (let i = 0, j = 0; i < nodes.length; i += PPN, j += 2) {
    out[j] = nodes[i];
    out[j + 1] = nodes[i + 1];
  }
  return out;
}

export { PPN };
