// JSON calls to Engram's API (CONTRACT.md). The session cookie authorises
// them: same origin, sent by fetch without asking.

// getJSON fetches url and returns its JSON body, or throws an Error whose
// message is the server's explanation.
export async function getJSON(url, signal) {
  const res = await fetch(url, { headers: { Accept: "application/json" }, signal });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // an empty or non-JSON body: the status below says what happened
  }
  if (!res.ok) {
    const msg = body && body.error && body.error.message ? body.error.message : `${res.status} ${res.statusText}`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return body;
}

// graphURL is the /api/graph query for the explorer's form values.
export function graphURL(base, params, offset) {
  const q = new URLSearchParams(params);
  if (offset) q.set("offset", String(offset));
  return `${base}?${q}`;
}

// formParams reads the filter form into query parameters, leaving out empty
// values so that URLs stay short and readable.
export function formParams(form) {
  const out = new URLSearchParams();
  for (const [k, v] of new FormData(form)) {
    if (typeof v === "string" && v.trim() !== "") out.append(k, v.trim());
  }
  return out;
}

// fillForm sets the form's controls from query parameters (back/forward).
export function fillForm(form, params) {
  for (const el of form.elements) {
    if (!el.name) continue;
    const values = params.getAll(el.name);
    if (el.type === "checkbox" || el.type === "radio") el.checked = values.includes(el.value);
    else if (el.tagName === "SELECT" && el.multiple) for (const o of el.options) o.selected = values.includes(o.value);
    else if (el.type !== "hidden" && el.type !== "submit" && el.type !== "button") el.value = values[0] || "";
  }
}
