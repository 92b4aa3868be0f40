// Engram web UI: small enhancements over server-rendered pages. Every page
// works without this script; it adds the relationship picker, live notices,
// copy buttons and in-place settings results.
(function () {
  'use strict';

  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // The relationship picker: search as you type, pick with click or Enter.
  function picker() {
    const input = document.getElementById('rel-search');
    const list = document.getElementById('rel-search-results');
    const idField = document.getElementById('other_id');
    const chosen = document.getElementById('rel-chosen');
    if (!input || !list || !idField) return;
    const self = input.closest('[data-exclude]').dataset.exclude;
    // With the script, the id is filled by picking; keep it editable but quiet.
    idField.previousElementSibling.hidden = true;
    idField.type = 'hidden';
    let timer = 0;
    let seq = 0;
    const choose = (hit, button) => {
      idField.value = hit.id;
      chosen.textContent = 'Chosen: ' + hit.title;
      for (const b of list.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
    };
    const search = async () => {
      const q = input.value.trim();
      const mine = ++seq;
      if (!q) { list.replaceChildren(); return; }
      try {
        const res = await fetch('/api/search?limit=8&q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } });
        const body = await res.json();
        if (mine !== seq) return; // a newer search is under way
        if (!res.ok) { list.replaceChildren(el('li', { class: 'hint' }, body.error ? body.error.message : 'Search failed')); return; }
        const hits = body.hits.filter((h) => h.id !== self);
        if (hits.length === 0) { list.replaceChildren(el('li', { class: 'hint' }, 'No memory matches.')); return; }
        list.replaceChildren(...hits.map((h) => {
          const b = el('button', { type: 'button', 'data-id': h.id, 'aria-pressed': 'false' },
            el('span', { class: 'badge small bg-' + h.type }, h.type.replace('_', ' ')), h.title);
          b.addEventListener('click', () => choose(h, b));
          return el('li', {}, b);
        }));
      } catch (err) {
        if (mine === seq) list.replaceChildren(el('li', { class: 'hint' }, 'Search failed: ' + err.message));
      }
    };
    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 150); });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { // pick the first hit rather than submit the form
        e.preventDefault();
        const first = list.querySelector('button');
        if (first) first.click();
      } else if (e.key === 'ArrowDown') {
        const first = list.querySelector('button');
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    document.getElementById('add-relationship').addEventListener('submit', (e) => {
      if (!idField.value) {
        e.preventDefault();
        chosen.textContent = 'Pick the other memory first: type a few words and choose one.';
        input.focus();
      }
    });
  }

  // Live notices: the memory page says when its memory changed elsewhere;
  // the overview says when anything changed.
  function live() {
    const article = document.getElementById('memory');
    const banner = document.getElementById('live-banner');
    const overview = document.getElementById('counts');
    if (!(article && banner) && !overview) return;
    const id = article ? article.dataset.id : '';
    let saving = false;
    for (const f of document.querySelectorAll('form')) f.addEventListener('submit', () => { saving = true; });
    const show = (text) => {
      if (saving) return; // our own change: the page is about to reload
      if (banner) {
        if (text) banner.firstChild.textContent = text + ' ';
        banner.hidden = false;
      } else if (!document.getElementById('live-notice')) {
        overview.before(el('p', { id: 'live-notice', class: 'notice', role: 'status' },
          'The memories changed. ', el('a', { href: location.pathname }, 'Reload to see the latest')));
      }
    };
    const events = new EventSource('/api/events');
    events.addEventListener('memory', (e) => {
      const ch = JSON.parse(e.data);
      if (!id) show();
      else if (ch.id === id) show(ch.op === 'deleted' ? 'This memory was deleted elsewhere.' : 'This memory was changed elsewhere.');
    });
    events.addEventListener('relationship', (e) => {
      const ch = JSON.parse(e.data);
      if (!id || ch.from === id || ch.to === id) show(id ? 'Its relationships changed elsewhere.' : '');
    });
    events.addEventListener('resync', () => show(id ? 'Memories changed elsewhere.' : ''));
    window.addEventListener('pagehide', () => events.close());
  }

  // Copy buttons copy the text of the element they name.
  function copyButtons() {
    for (const b of document.querySelectorAll('button.copy[data-copy]')) {
      b.addEventListener('click', async () => {
        const text = document.getElementById(b.dataset.copy).textContent;
        try {
          await navigator.clipboard.writeText(text);
          b.textContent = 'Copied';
        } catch {
          const range = document.createRange();
          range.selectNodeContents(document.getElementById(b.dataset.copy));
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          b.textContent = 'Selected: press Ctrl+C';
        }
        setTimeout(() => { b.textContent = 'Copy'; }, 2500);
      });
    }
  }

  // Settings: test the connection in place, and follow a migration.
  function settings() {
    const form = document.getElementById('storage-form');
    const test = document.getElementById('test-connection');
    const out = document.getElementById('test-result');
    if (form && test && out) {
      test.addEventListener('click', async (e) => {
        e.preventDefault();
        test.disabled = true;
        out.className = 'result';
        out.textContent = 'Testing…';
        try {
          const res = await fetch('/settings/test', {
            method: 'POST', body: new URLSearchParams(new FormData(form)),
            headers: { Accept: 'application/json', 'X-CSRF-Token': csrf() },
          });
          const body = await res.json();
          const ok = res.ok && body.ok;
          out.className = 'result ' + (ok ? 'ok-box' : 'error-box');
          out.textContent = body.message || (body.error && body.error.message) || 'No answer';
        } catch (err) {
          out.className = 'result error-box';
          out.textContent = 'The test failed: ' + err.message;
        } finally {
          test.disabled = false;
        }
      });
    }
    const status = document.getElementById('migrate-status');
    if (status && status.dataset.state === 'running') {
      const bar = document.getElementById('migrate-progress');
      const msg = document.getElementById('migrate-message');
      const tick = async () => {
        const res = await fetch('/api/settings/migration', { headers: { Accept: 'application/json' } });
        if (!res.ok) return;
        const s = await res.json();
        bar.hidden = false;
        bar.max = Math.max(s.total, 1);
        bar.value = s.done;
        msg.textContent = s.message || (s.done + ' of ' + s.total);
        status.dataset.state = s.state;
        if (s.state === 'running') { setTimeout(tick, 500); return; }
        document.getElementById('migrate').disabled = false;
        const cancel = document.getElementById('migrate-cancel-form');
        if (cancel) cancel.hidden = true;
      };
      tick();
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    picker();
    live();
    copyButtons();
    settings();
  });
})();
