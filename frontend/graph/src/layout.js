// Runs ForceAtlas2 on a graphology graph in a web worker
// (/static/graph-layout.js), or in short main-thread slices when no worker
// can be started, writing positions back as they arrive.
import { createRun, positions, settingsFor, PPN } from "./layout-core.js";

export class Layout {
  constructor(graph, workerURL) {
    this.graph = graph;
    this.order = [];
    this.running = false;
    this.onStop = null;
    try {
      this.worker = new Worker(workerURL);
      this.worker.onmessage = (e) => {
        if (e.data.run === this.runID) this.apply(e.data.positions, e.data.done);
      };
      this.worker.onerror = () => {
        // The worker script did not load: lay out on the main thread.
        this.worker = null;
        if (this.running) {
          this.running = false;
          this.start(...this.lastStart);
        }
      };
    } catch {
      this.worker = null; // fallback below
    }
  }

  // start moves every node whose id is in movable (all when null) for at most
  // maxIterations; the others stay where they are and pull on the movers.
  start(movable, maxIterations) {
    this.stop();
    this.lastStart = [movable, maxIterations];
    const g = this.graph;
    if (g.order === 0) return;
    const index = new Map();
    this.order = [];
    const nodes = new Float32Array(g.order * PPN);
    g.forEachNode((id, a) => {
      const j = this.order.length * PPN;
      index.set(id, j);
      this.order.push(id);
      nodes[j] = a.x;
      nodes[j + 1] = a.y;
      nodes[j + 6] = 1; // mass, grows with degree below
      nodes[j + 7] = 1; // convergence
      nodes[j + 8] = a.size || 1;
      nodes[j + 9] = a.fixed || (movable && !movable.has(id)) ? 1 : 0;
    });
    const edges = new Float32Array(g.size * 3);
    let k = 0;
    g.forEachEdge((_, _a, s, t) => {
      const sj = index.get(s), tj = index.get(t);
      nodes[sj + 6]++;
      nodes[tj + 6]++;
      edges[k] = sj;
      edges[k + 1] = tj;
      edges[k + 2] = 1;
      k += 3;
    });
    const settings = settingsFor(g.order);
    this.runID = (this.runID || 0) + 1;
    const run = { id: this.runID, nodes, edges, settings, maxIterations };
    this.running = true;
    if (this.worker) {
      this.worker.postMessage({ run }, [nodes.buffer, edges.buffer]);
      return;
    }
    const step = createRun(run);
    const slice = () => {
      if (!this.running) return;
      const more = step(8);
      this.apply(positions(nodes), !more);
      if (more) this.timer = setTimeout(slice, 16);
    };
    slice();
  }

  apply(xy, done) {
    if (!this.running) return;
    const at = new Map(this.order.map((id, i) => [id, 2 * i]));
    // One update for all nodes: one event, one redraw.
    this.graph.updateEachNodeAttributes((id, a) => {
      const j = at.get(id);
      if (j === undefined || a.fixed) return a;
      a.x = xy[j];
      a.y = xy[j + 1];
      return a;
    }, { attributes: ["x", "y"] });
    if (done) {
      this.running = false;
      if (this.onStop) this.onStop();
    }
  }

  stop() {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    if (this.worker) this.worker.postMessage({ stop: true });
  }
}
