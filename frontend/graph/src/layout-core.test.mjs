// Unit tests of the layout loop: `npm test` (node --test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRun, positions, settingsFor, PPN } from "./layout-core.js";

// matrices builds ForceAtlas2's node and edge matrices for n nodes on a
// line joined as a ring; fixed lists nodes that must not move.
function matrices(n, fixed = []) {
  const nodes = new Float32Array(n * PPN);
  for (let i = 0; i < n; i++) {
    nodes[i * PPN] = i;
    nodes[i * PPN + 1] = (i * 7) % 5;
    nodes[i * PPN + 6] = 3; // mass: degree 2 + 1
    nodes[i * PPN + 7] = 1;
    nodes[i * PPN + 8] = 1;
    nodes[i * PPN + 9] = fixed.includes(i) ? 1 : 0;
  }
  const edges = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    edges[i * 3] = i * PPN;
    edges[i * 3 + 1] = ((i + 1) % n) * PPN;
    edges[i * 3 + 2] = 1;
  }
  return { nodes, edges };
}

test("the layout stops by itself", async (t) => {
  for (const [n, budget] of [[10, 5000], [200, 5000], [1500, 40]]) {
    await t.test(`${n} nodes, budget ${budget}`, () => {
      const { nodes, edges } = matrices(n);
      const step = createRun({ nodes, edges, settings: settingsFor(n), maxIterations: budget });
      let slices = 0;
      while (step(50)) {
        slices++;
        assert.ok(slices < 10000, "the run never ends");
      }
      const xy = positions(nodes);
      assert.equal(xy.length, 2 * n);
      assert.ok(xy.every(Number.isFinite), "every position is a number");
    });
  }
});

test("fixed nodes stay where they are", () => {
  const { nodes, edges } = matrices(30, [0, 5]);
  const before = positions(nodes);
  const step = createRun({ nodes, edges, settings: settingsFor(30), maxIterations: 100 });
  while (step(50));
  const after = positions(nodes);
  for (const i of [0, 5]) {
    assert.equal(after[2 * i], before[2 * i]);
    assert.equal(after[2 * i + 1], before[2 * i + 1]);
  }
  assert.ok(after.some((v, i) => v !== before[i]), "the free nodes moved");
});

test("a ring spreads out: neighbours end closer than the average pair", () => {
  const n = 60;
  const { nodes, edges } = matrices(n);
  const step = createRun({ nodes, edges, settings: settingsFor(n), maxIterations: 2000 });
  while (step(50));
  const xy = positions(nodes);
  const d = (a, b) => Math.hypot(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1]);
  let near = 0, all = 0, pairs = 0;
  for (let i = 0; i < n; i++) near += d(i, (i + 1) % n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++, pairs++) all += d(i, j);
  assert.ok(near / n < all / pairs, `neighbour distance ${near / n} vs mean ${all / pairs}`);
});
