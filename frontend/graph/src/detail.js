// The detail panel (#graph-detail): the selected memory's title, type,
// summary, tags and relationships, with a link to its page.
import { h } from "./dom.js";
import { typeLabel } from "./colors.js";

const memoryURL = (id) => `/memories/${encodeURIComponent(id)}`;

export function renderHint(panel) {
  panel.replaceChildren(h("p", { class: "hint" }, "Click a memory to see it here; double-click it (or press Enter) to show its neighbours."));
}

export function renderLoading(panel, title) {
  panel.replaceChildren(h("h2", { class: "detail-title" }, title), h("p", { class: "hint" }, "Loading…"));
}

export function renderError(panel, message) {
  panel.replaceChildren(h("p", { class: "detail-error", role: "alert" }, message));
}

// renderDetail fills panel from a /api/memories/{id} answer; onExpand is
// the "Show neighbours" action.
export function renderDetail(panel, data, onExpand) {
  const m = data.memory;
  const rels = data.relationships || [];
  const parts = [
    h("h2", { class: "detail-title" }, h("a", { href: memoryURL(m.id) }, m.title)),
    h("p", { class: "detail-meta" },
      h("span", { class: `badge bg-${m.type}` }, typeLabel(m.type)),
      ` importance ${fmt(m.importance)} · confidence ${fmt(m.confidence)}`),
    m.summary ? h("p", { class: "detail-summary" }, m.summary) : null,
    m.tags && m.tags.length ? h("ul", { class: "detail-tags", "aria-label": "Tags" }, m.tags.map((t) => h("li", { class: "tag" }, t))) : null,
    h("h3", {}, `Relationships (${rels.length})`),
    rels.length
      ? h("ul", { class: "detail-rels" }, rels.map((r) => h("li", { "data-type": r.type },
        h("span", { class: "rel-type" }, r.direction === "in" ? `← ${r.type}` : `${r.type} →`), " ",
        h("a", { href: memoryURL(r.other.id) }, r.other.title))))
      : h("p", { class: "hint" }, "None yet."),
    h("p", { class: "detail-actions" },
      h("a", { class: "button primary", id: "graph-detail-open", href: memoryURL(m.id) }, "Open"), " ",
      h("button", { type: "button", id: "graph-detail-expand", onclick: onExpand }, "Show neighbours")),
  ];
  panel.replaceChildren(...parts.filter(Boolean)); // replaceChildren would print null as text
}

const fmt = (x) => (typeof x === "number" ? x.toFixed(2) : "–");
