// The graph explorer: draws /api/graph with sigma.js (WebGL) on a graphology
// graph, laid out by ForceAtlas2 in a worker; filters from #explorer-form,
// selection into #graph-detail, expansion, "load more", a legend that hides
// types, live updates from /api/events and a list of the shown memories for
// keyboard and screen-reader users. Element ids: CONTRACT.md.
import Graph from "graphology";
import Sigma from "sigma";
import { getJSON, graphURL, formParams, fillForm } from "./api.js";
import { readTheme, typeLabel, MEMORY_TYPES } from "./colors.js";
import { renderDetail, renderError, renderHint, renderLoading } from "./detail.js";
import { h } from "./dom.js";
import { Layout } from "./layout.js";

const LABEL_CHARS = 40;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

export class Explorer {
  constructor(root) {
    this.el = root.graph;
    this.form = root.form;
    this.statusEl = root.status;
    this.moreBtn = root.more;
    this.legendEl = root.legend;
    this.detailEl = root.detail;
    this.api = this.el.dataset.api || "/api/graph";
    this.graph = new Graph({ type: "directed", multi: true, allowSelfLoops: true });
    this.theme = readTheme();
    this.hiddenTypes = new Set();
    this.selected = null;
    this.hovered = null;
    this.dragged = null;
    this.counts = { total: 0, shown: 0, next: null };
    this.params = formParams(this.form);
    this.loadSeq = 0;
    this.layout = new Layout(this.graph, this.el.dataset.layoutWorker || "/static/graph-layout.js");
    this.layout.onStop = () => this.el.setAttribute("data-layout", "done");
  }

  async mount() {
    this.el.tabIndex = 0;
    this.el.setAttribute("role", "application");
    this.el.setAttribute("aria-label", "Memory graph. Arrow keys pan, plus and minus zoom, Enter shows the selected memory's neighbours, Escape clears the selection. The list of shown memories follows the legend.");
    this.el.setAttribute("aria-describedby", "graph-status");
    this.renderer = new Sigma(this.graph, this.el, {
      allowInvalidContainer: true,
      stagePadding: 60, // room for the labels of the outermost nodes
      defaultEdgeType: "arrow",
      renderEdgeLabels: true,
      enableEdgeEvents: false,
      labelRenderedSizeThreshold: 9,
      labelDensity: 0.6,
      labelFont: getComputedStyle(document.body).fontFamily || "sans-serif",
      labelSize: 12,
      labelColor: { color: this.theme.text },
      edgeLabelSize: 10,
      edgeLabelColor: { color: this.theme.edgeStrong },
      zIndex: true,
      nodeReducer: (n, a) => this.nodeLook(n, a),
      edgeReducer: (e, a) => this.edgeLook(e, a),
    });
    this.bindPointer();
    this.bindKeys();
    this.buildList();
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.params = formParams(this.form);
      history.pushState(null, "", `${location.pathname}?${this.params}`);
      this.load();
    });
    addEventListener("popstate", () => {
      this.params = new URLSearchParams(location.search);
      fillForm(this.form, this.params);
      this.load();
    });
    this.moreBtn.addEventListener("click", () => this.loadMore());
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.retheme());
    this.live();
    return this.load();
  }

  // ---- drawing -------------------------------------------------------

  nodeLook(id, a) {
    const out = { ...a };
    if (this.hiddenTypes.has(a.memoryType)) out.hidden = true;
    const focus = this.selected || this.hovered;
    if (focus && focus !== id && !this.graph.areNeighbors(focus, id)) {
      out.color = this.theme.faded;
      out.label = "";
      out.zIndex = 0;
    } else if (focus) {
      out.forceLabel = true;
      out.zIndex = 1;
    }
    if (id === this.selected) {
      out.highlighted = true;
      out.zIndex = 2;
    }
    return out;
  }

  edgeLook(id, a) {
    const out = { ...a };
    const [s, t] = this.graph.extremities(id);
    if (this.hiddenTypes.has(this.graph.getNodeAttribute(s, "memoryType")) ||
        this.hiddenTypes.has(this.graph.getNodeAttribute(t, "memoryType"))) {
      out.hidden = true;
      return out;
    }
    const focus = this.selected || this.hovered;
    if (focus) {
      if (s === focus || t === focus) {
        out.color = this.theme.edgeStrong;
        out.forceLabel = true;
        out.zIndex = 1;
      } else {
        out.color = this.theme.faded;
        out.label = "";
      }
    }
    return out;
  }

  retheme() {
    this.theme = readTheme();
    this.graph.updateEachNodeAttributes((_, a) => ({ ...a, color: this.theme.types[a.memoryType] }), { attributes: ["color"] });
    this.graph.updateEachEdgeAttributes((_, a) => ({ ...a, color: this.theme.edge }), { attributes: ["color"] });
    this.renderer.setSetting("labelColor", { color: this.theme.text });
    this.renderer.setSetting("edgeLabelColor", { color: this.theme.edgeStrong });
    this.renderLegend();
  }

  // ---- loading and merging --------------------------------------------

  async load() {
    const seq = ++this.loadSeq;
    this.setStatus("Loading the graph…");
    this.layout.stop();
    let data;
    try {
      data = await getJSON(graphURL(this.api, this.params, 0));
    } catch (err) {
      if (seq === this.loadSeq) this.setStatus(`Could not load the graph: ${err.message}`, true);
      return;
    }
    if (seq !== this.loadSeq) return; // a newer search won
    this.graph.clear();
    this.select(null);
    this.counts = { total: data.total, shown: data.shown, next: data.next_offset };
    const added = this.merge(data, null);
    this.renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    this.afterChange();
    this.relayout(null, added.length);
    // The first frame with the new graph: the speed script measures to here.
    requestAnimationFrame(() => performance.mark("engram:graph-drawn"));
  }

  async loadMore() {
    if (this.counts.next === null || this.counts.next === undefined) return;
    this.moreBtn.disabled = true;
    try {
      const data = await getJSON(graphURL(this.api, this.params, this.counts.next));
      this.counts.shown += data.shown;
      this.counts.total = data.total;
      this.counts.next = data.next_offset;
      const added = this.merge(data, null);
      this.afterChange();
      this.relayout(new Set(added), added.length);
    } catch (err) {
      this.setStatus(`Could not load more: ${err.message}`, true);
    } finally {
      this.moreBtn.disabled = false;
    }
  }

  async expand(id) {
    if (!this.graph.hasNode(id)) return;
    const q = new URLSearchParams({ id, depth: "1" });
    for (const t of this.params.getAll("rel_type")) q.append("rel_type", t);
    this.setStatus(`Showing the neighbours of “${this.graph.getNodeAttribute(id, "title")}”…`);
    try {
      const data = await getJSON(`${this.api}/expand?${q}`);
      const added = this.merge(data, id);
      this.afterChange();
      if (added.length) this.relayout(new Set(added), 80);
      this.setStatus(this.statusText() + ` · ${added.length} neighbour${added.length === 1 ? "" : "s"} added`);
    } catch (err) {
      this.setStatus(`Could not expand: ${err.message}`, true);
    }
  }

  // merge adds the nodes and edges of an API answer that are not drawn yet
  // and returns the new node ids. New nodes start next to a drawn
  // neighbour (or around anchor, or on a spiral), so the layout has little
  // to do.
  merge(data, anchor) {
    const g = this.graph;
    const fresh = data.nodes.filter((n) => !g.hasNode(n.id));
    const links = new Map();
    for (const e of data.edges) {
      for (const [a, b] of [[e.from, e.to], [e.to, e.from]]) {
        if (!links.has(a)) links.set(a, []);
        links.get(a).push(b);
      }
    }
    // Nodes with no drawn neighbour go on a sunflower spiral, so that the
    // first frame is already spread out; their neighbours follow them.
    const all = g.order + fresh.length + 1;
    const spread = 12 * Math.sqrt(all);
    let k = g.order;
    for (const n of fresh) {
      const near = anchor && g.hasNode(anchor) ? anchor : (links.get(n.id) || []).find((o) => g.hasNode(o));
      let x, y;
      if (near) {
        const p = g.getNodeAttributes(near);
        const r = 4 + Math.random() * 8, phi = Math.random() * 2 * Math.PI;
        x = p.x + r * Math.cos(phi);
        y = p.y + r * Math.sin(phi);
      } else {
        const r = spread * Math.sqrt((k + 0.5) / all), phi = k * GOLDEN_ANGLE;
        k++;
        x = r * Math.cos(phi);
        y = r * Math.sin(phi);
      }
      g.addNode(n.id, this.nodeAttrs(n, x, y));
    }
    for (const e of data.edges) this.addEdge(e);
    return fresh.map((n) => n.id);
  }

  nodeAttrs(n, x, y) {
    const title = n.title || n.id;
    return {
      x, y,
      size: 4 + 10 * (typeof n.importance === "number" ? n.importance : 0.5),
      color: this.theme.types[n.type] || this.theme.types.general,
      label: title.length > LABEL_CHARS ? title.slice(0, LABEL_CHARS - 1) + "…" : title,
      title,
      memoryType: n.type,
      summary: n.summary || "",
    };
  }

  addEdge(e) {
    const g = this.graph;
    if (g.hasEdge(e.id) || !g.hasNode(e.from) || !g.hasNode(e.to)) return;
    g.addDirectedEdgeWithKey(e.id, e.from, e.to, {
      label: e.type,
      relType: e.type,
      size: 1 + 2 * (typeof e.strength === "number" ? e.strength : 0.5),
      color: this.theme.edge,
    });
  }

  // relayout runs ForceAtlas2 on movable nodes (all when null) with an
  // iteration budget that shrinks as the graph grows.
  relayout(movable, count) {
    if (!count) return;
    // Nodes added while the first layout still runs join it: restarting
    // with only them movable would freeze the rest half-way.
    if (this.layout.running && this.layout.lastStart[0] === null) movable = null;
    const n = this.graph.order;
    const budget = movable ? 120 : Math.round(Math.max(80, Math.min(600, 400000 / Math.max(n, 1))));
    this.el.setAttribute("data-layout", "running");
    this.layout.start(movable, budget);
  }

  afterChange() {
    this.el.setAttribute("data-nodes", String(this.graph.order));
    this.el.setAttribute("data-edges", String(this.graph.size));
    this.setStatus(this.statusText());
    this.moreBtn.hidden = this.counts.next === null || this.counts.next === undefined;
    this.renderLegend();
    this.refreshList();
  }

  statusText() {
    const { shown, total } = this.counts;
    if (total === 0 && this.graph.order === 0) {
      const filtered = [...this.params.keys()].some((k) => k !== "limit");
      return filtered ? "No memories match these filters." : "No memories yet: they appear here as your assistants store them.";
    }
    const extra = this.graph.order - shown;
    let s = `Showing ${shown} of ${total} ${total === 1 ? "memory" : "memories"}`;
    if (extra > 0) s += ` (+${extra} neighbour${extra === 1 ? "" : "s"})`;
    if (this.graph.size) s += `, ${this.graph.size} relationship${this.graph.size === 1 ? "" : "s"}`;
    return s;
  }

  setStatus(text, isError) {
    this.statusEl.textContent = text;
    this.statusEl.classList.toggle("graph-error", !!isError);
  }

  // ---- selection ---------------------------------------------------------

  async select(id) {
    this.selected = id && this.graph.hasNode(id) ? id : null;
    this.renderer.refresh({ skipIndexation: true });
    this.el.setAttribute("data-selected", this.selected || "");
    if (!this.selected) {
      renderHint(this.detailEl);
      return;
    }
    const seq = (this.detailSeq = (this.detailSeq || 0) + 1);
    renderLoading(this.detailEl, this.graph.getNodeAttribute(id, "title"));
    try {
      const data = await getJSON(`/api/memories/${encodeURIComponent(id)}`);
      if (seq === this.detailSeq) renderDetail(this.detailEl, data, () => this.expand(id));
    } catch (err) {
      if (seq === this.detailSeq) renderError(this.detailEl, err.status === 404 ? "This memory no longer exists." : `Could not load it: ${err.message}`);
    }
  }

  focusNode(id) {
    const d = this.renderer.getNodeDisplayData(id);
    if (d) this.renderer.getCamera().animate({ x: d.x, y: d.y }, { duration: 300 });
  }

  // ---- pointer and keyboard --------------------------------------------

  bindPointer() {
    const r = this.renderer;
    let moved = false;
    r.on("enterNode", ({ node }) => {
      this.hovered = node;
      this.el.style.cursor = "pointer";
      r.refresh({ skipIndexation: true });
    });
    r.on("leaveNode", () => {
      this.hovered = null;
      this.el.style.cursor = "";
      r.refresh({ skipIndexation: true });
    });
    r.on("downNode", ({ node }) => {
      this.dragged = node;
      moved = false;
    });
    r.getMouseCaptor().on("mousemovebody", (e) => {
      if (!this.dragged) return;
      if (!moved) this.layout.stop(); // the person arranges by hand now
      moved = true;
      const p = r.viewportToGraph(e);
      this.graph.mergeNodeAttributes(this.dragged, { x: p.x, y: p.y, fixed: true });
      e.preventSigmaDefault();
      e.original.preventDefault();
      e.original.stopPropagation();
    });
    r.getMouseCaptor().on("mouseup", () => {
      this.dragged = null;
    });
    r.on("clickNode", ({ node }) => {
      if (!moved) this.select(node);
      moved = false;
    });
    r.on("doubleClickNode", ({ node, preventSigmaDefault }) => {
      preventSigmaDefault(); // no zoom: the double click expands
      this.select(node);
      this.expand(node);
    });
    r.on("clickStage", () => this.select(null));
  }

  bindKeys() {
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || !this.selected) return;
      if (e.target.closest && e.target.closest("input, select, textarea")) return;
      this.select(null);
    });
    this.el.addEventListener("keydown", (e) => {
      const cam = this.renderer.getCamera();
      const s = cam.getState();
      const step = 0.1 * s.ratio;
      const moves = {
        ArrowLeft: { x: s.x - step }, ArrowRight: { x: s.x + step },
        ArrowUp: { y: s.y + step }, ArrowDown: { y: s.y - step },
        "+": { ratio: s.ratio / 1.3 }, "=": { ratio: s.ratio / 1.3 }, "-": { ratio: s.ratio * 1.3 },
      };
      if (moves[e.key]) {
        cam.animate(moves[e.key], { duration: 150 });
      } else if (e.key === "Enter" && this.selected) {
        this.expand(this.selected);
      } else {
        return;
      }
      e.preventDefault();
    });
  }

  // ---- legend and list -----------------------------------------------------

  renderLegend() {
    const counts = new Map();
    this.graph.forEachNode((_, a) => counts.set(a.memoryType, (counts.get(a.memoryType) || 0) + 1));
    const items = MEMORY_TYPES.filter((t) => counts.has(t)).map((t) => {
      const shown = !this.hiddenTypes.has(t);
      return h("li", {},
        h("button", {
          type: "button", class: "legend-item", "data-type": t, "aria-pressed": String(shown),
          title: shown ? `Hide ${typeLabel(t)} memories` : `Show ${typeLabel(t)} memories`,
          onclick: () => this.toggleType(t),
        }, h("span", { class: "legend-swatch", style: `background:${this.theme.types[t]}`, "aria-hidden": "true" }),
        `${typeLabel(t)} `, h("span", { class: "legend-count" }, String(counts.get(t)))));
    });
    this.legendEl.replaceChildren(items.length ? h("ul", { class: "legend", "aria-label": "Memory types: press to hide or show" }, items) : "");
  }

  toggleType(t) {
    if (this.hiddenTypes.has(t)) this.hiddenTypes.delete(t);
    else this.hiddenTypes.add(t);
    if (this.selected && this.hiddenTypes.has(this.graph.getNodeAttribute(this.selected, "memoryType"))) this.select(null);
    this.renderer.refresh({ skipIndexation: true });
    this.renderLegend();
    this.refreshList();
    const btn = this.legendEl.querySelector(`[data-type="${t}"]`);
    if (btn) btn.focus();
  }

  // buildList adds a collapsible list of the shown memories after the
  // legend: links for keyboard and screen-reader users, who cannot use the
  // canvas. It is filled only while open (thousands of rows otherwise).
  buildList() {
    this.listBody = h("ul", { class: "graph-list-items" });
    this.listSummary = h("summary", {}, "List of shown memories");
    this.listEl = h("details", { id: "graph-list", class: "graph-list" }, this.listSummary, this.listBody);
    this.listEl.addEventListener("toggle", () => this.refreshList());
    this.legendEl.after(this.listEl);
  }

  refreshList() {
    if (!this.listEl) return;
    const rows = [];
    this.graph.forEachNode((id, a) => {
      if (!this.hiddenTypes.has(a.memoryType)) rows.push([id, a]);
    });
    this.listSummary.textContent = `List of shown memories (${rows.length})`;
    if (!this.listEl.open) {
      this.listBody.replaceChildren();
      return;
    }
    rows.sort((x, y) => x[1].title.localeCompare(y[1].title));
    this.listBody.replaceChildren(...rows.map(([id, a]) => h("li", {},
      h("a", { href: `/memories/${encodeURIComponent(id)}` }, a.title),
      ` (${typeLabel(a.memoryType)}) `,
      h("button", { type: "button", class: "list-select", "aria-label": `Select ${a.title} in the graph`, onclick: () => { this.select(id); this.focusNode(id); } }, "Select"))));
  }

  // ---- live updates -------------------------------------------------------

  live() {
    if (!("EventSource" in window)) return;
    const es = new EventSource("/api/events");
    this.events = es;
    const queue = [];
    let timer = null;
    const push = (kind) => (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      queue.push({ kind, ...data });
      // Bursts (an assistant storing ten memories) become one redraw.
      if (!timer) timer = setTimeout(() => { timer = null; this.applyEvents(queue.splice(0)); }, 150);
    };
    es.addEventListener("memory", push("memory"));
    es.addEventListener("relationship", push("relationship"));
    es.addEventListener("resync", () => this.load());
    addEventListener("pagehide", () => es.close());
  }

  async applyEvents(events) {
    const g = this.graph;
    const touched = new Set();
    for (const ev of events) {
      if (ev.kind === "memory" && ev.op === "deleted") {
        if (g.hasNode(ev.id)) {
          g.dropNode(ev.id);
          this.counts.shown = Math.max(0, this.counts.shown - 1);
          this.counts.total = Math.max(0, this.counts.total - 1);
          if (this.selected === ev.id) this.select(null);
        }
        touched.delete(ev.id);
      } else if (ev.kind === "memory") {
        touched.add(ev.id);
      } else if (ev.kind === "relationship" && ev.op === "deleted") {
        if (g.hasEdge(ev.id)) g.dropEdge(ev.id);
      } else if (ev.kind === "relationship" && ev.op === "created") {
        this.addEdge({ id: ev.id, from: ev.from, to: ev.to, type: ev.type });
      }
    }
    const added = [];
    await Promise.all([...touched].map(async (id) => {
      let data;
      try {
        data = await getJSON(`/api/memories/${encodeURIComponent(id)}`);
      } catch {
        return; // deleted meanwhile: its own event follows
      }
      const m = data.memory;
      const types = this.params.getAll("type");
      if (g.hasNode(id)) {
        const p = g.getNodeAttributes(id);
        g.mergeNodeAttributes(id, this.nodeAttrs(m, p.x, p.y));
        if (this.selected === id) renderDetail(this.detailEl, data, () => this.expand(id));
      } else if (types.length === 0 || types.includes(m.type)) {
        this.merge({ nodes: [m], edges: [] }, null);
        this.counts.shown++;
        this.counts.total++;
        added.push(id);
      }
      for (const r of data.relationships || []) {
        const [from, to] = r.direction === "in" ? [r.other.id, id] : [id, r.other.id];
        this.addEdge({ id: r.id, from, to, type: r.type, strength: r.strength });
      }
    }));
    this.afterChange();
    if (added.length) this.relayout(new Set(added), 60);
  }
}
