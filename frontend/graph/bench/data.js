// A deterministic random graph: n nodes, m directed edges, seeded positions.
export function makeGraph(n, m) {
  // mulberry32: a small seeded generator (an LCG in doubles loses bits and
  // repeats after a few thousand draws).
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const nodes = [];
  for (let i = 0; i < n; i++) {
    nodes.push({ id: "n" + i, x: rand() * 1000, y: rand() * 1000, size: 2 + rand() * 6, label: "Memory title number " + i, type: i % 13 });
  }
  const edges = [];
  const seen = new Set();
  while (edges.length < m) {
    const a = Math.floor(rand() * n), b = Math.floor(rand() * n);
    const k = a + ":" + b;
    if (a === b || seen.has(k)) continue;
    seen.add(k);
    edges.push({ id: "e" + edges.length, source: "n" + a, target: "n" + b, label: "RELATED_TO" });
  }
  return { nodes, edges };
}

export const palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf"];

// Counts animation frames while step(t) moves the camera for ms milliseconds.
export function measureFrames(step, ms) {
  return new Promise((resolve) => {
    let frames = 0, worst = 0;
    const t0 = performance.now();
    let last = t0;
    function tick(now) {
      frames++;
      worst = Math.max(worst, now - last);
      last = now;
      const t = (now - t0) / ms;
      if (t >= 1) return resolve({ fps: (frames * 1000) / (now - t0), worstFrameMs: Math.round(worst) });
      step(t);
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  });
}

export const nextFrame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
