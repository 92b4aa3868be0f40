// Colours follow the page: memory type colours are CSS custom properties
// --mt-<type> of app.css (light and dark variants), read again when the
// system switches between light and dark.

export const MEMORY_TYPES = ["task", "code_pattern", "problem", "solution", "project", "technology", "error",
  "fix", "command", "file_context", "workflow", "general", "conversation"];

// Used when app.css is missing (the graph is still readable in both modes).
const FALLBACK = ["#2563eb", "#7c3aed", "#dc2626", "#16a34a", "#0e7490", "#0f766e", "#c2410c", "#4d7c0f",
  "#475569", "#a16207", "#be185d", "#57534e", "#4338ca"];

export function readTheme() {
  const root = getComputedStyle(document.documentElement);
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  const types = {};
  MEMORY_TYPES.forEach((t, i) => {
    types[t] = root.getPropertyValue(`--mt-${t}`).trim() || FALLBACK[i];
  });
  return {
    types,
    text: root.getPropertyValue("--text").trim() || (dark ? "#e7e9ee" : "#1c1d24"),
    edge: dark ? "rgba(162,168,184,0.45)" : "rgba(91,96,112,0.35)",
    edgeStrong: dark ? "#c7cbd6" : "#3b3f4c",
    faded: dark ? "rgba(90,96,110,0.35)" : "rgba(180,184,196,0.45)",
  };
}

export function typeLabel(t) {
  const s = t.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
