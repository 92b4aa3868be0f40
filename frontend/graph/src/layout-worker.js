// The layout worker (bundled as static/graph-layout.js): runs ForceAtlas2
// off the main thread so that panning and zooming stay fluid while it moves
// thousands of nodes. Messages: {run: {...}} starts, {stop: true} stops.
import { createRun, positions } from "./layout-core.js";

let current = 0;

self.onmessage = (e) => {
  const id = ++current; // a new message ends the previous run
  if (!e.data.run) return;
  const run = e.data.run;
  const step = createRun(run);
  const slice = () => {
    if (id !== current) return;
    const more = step(30);
    self.postMessage({ run: run.id, positions: positions(run.nodes), done: !more });
    if (more) setTimeout(slice, 0);
  };
  slice();
};
