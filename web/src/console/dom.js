// Small DOM helpers. Text always goes in as text nodes (never innerHTML), and nothing sets a
// style attribute: the page's CSP allows stylesheets from 'self' only.

// h('p', {class: 'x', onclick: fn}, 'text', child, [more, children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' && 'value' in el) {
      el.value = value;
    } else if (key === 'checked' || key === 'selected') {
      el[key] = Boolean(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let uid = 0;
export function nextId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// Announces a message to screen readers (and shows it briefly for everyone).
export function announce(message) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  window.setTimeout(() => { live.textContent = message; }, 50);
}

// "received" -> "Received", "under_investigation" -> "Under investigation"
export function humanize(s) {
  if (s === undefined || s === null || s === '') return '';
  const t = String(s).replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

// The age bands of open complaints (GET /api/v1/dashboard, /api/v1/analytics/open).
export const AGE_LABELS = {
  le_3_business_days: 'Up to 3 business days',
  le_4_weeks: 'Up to 4 weeks',
  le_8_weeks: 'Up to 8 weeks',
  gt_8_weeks: 'Over 8 weeks',
};

export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function formatDate(iso) {
  if (!iso) return '';
  return String(iso).slice(0, 10);
}

export function formatMoney(minor, currency) {
  if (!minor) return '';
  const n = Number(minor);
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')} ${currency || ''}`.trim();
}

// A <dl> from [label, value] pairs, skipping empty values.
export function definitionList(pairs, className = 'details') {
  const dl = h('dl', { class: className });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '' ||
        (Array.isArray(value) && value.length === 0)) continue;
    dl.append(h('dt', {}, label), h('dd', {}, Array.isArray(value) ? value.join(', ') : value));
  }
  return dl;
}

// A scrollable wrapper for wide tables: focusable so keyboard users can scroll it.
export function tableWrap(table, label) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}
