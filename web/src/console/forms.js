// Forms built from field specs, with the API's problem details shown next to the fields.
//
// A field spec: {name, label, type, required, maxlength, options, hint, value}
//   name     the JSON name; dots nest ("remedy.currency" -> {remedy: {currency}}); the field
//            is matched to a problem's JSON pointer ("/remedy/currency")
//   type     text (default) | textarea | select | checkbox | date | instant (a date sent as
//            an RFC 3339 instant) | integer | money (major units typed, minor units sent) |
//            list (separated by commas or spaces -> array) | lines (a textarea, one item a line -> array) |
//            decimal (a number with a fraction) | password | email | file
//   A list or lines field also takes the errors of its items ("/complaints/1" -> the
//   complaints field, "item 2: ...").
import { h, nextId } from './dom.js';
import { ApiError } from './api.js';

export const pointerOf = (name) => `/${name.split('.').join('/')}`;

function control(spec, id, describedBy) {
  const common = {
    id,
    name: spec.name,
    required: Boolean(spec.required),
    'aria-describedby': describedBy,
  };
  const type = spec.type || 'text';
  if (type === 'textarea' || type === 'lines') {
    return h('textarea', { ...common, rows: spec.rows || 3, maxlength: spec.maxlength }, spec.value ?? '');
  }
  if (type === 'select') {
    const options = [];
    if (!spec.required || spec.blank) options.push(h('option', { value: '' }, spec.blank || '—'));
    for (const opt of spec.options) {
      const [value, label] = Array.isArray(opt) ? opt : [opt, opt];
      options.push(h('option', { value, selected: String(spec.value ?? '') === String(value) }, label));
    }
    return h('select', common, options);
  }
  if (type === 'checkbox') {
    return h('input', { ...common, type: 'checkbox', checked: Boolean(spec.value) });
  }
  const inputType = {
    date: 'date', instant: 'date', integer: 'number', money: 'text', decimal: 'text', password: 'password',
    email: 'email', file: 'file',
  }[type] || 'text';
  const attrs = { ...common, type: inputType, maxlength: spec.maxlength, autocomplete: spec.autocomplete };
  if (type === 'money') Object.assign(attrs, { inputmode: 'decimal', pattern: '[0-9]+([.,][0-9]{1,2})?' });
  if (type === 'decimal') Object.assign(attrs, { inputmode: 'decimal', pattern: '-?[0-9]+([.,][0-9]+)?' });
  if (type === 'integer') Object.assign(attrs, { min: spec.min, max: spec.max, step: 1 });
  if (spec.list) attrs.list = spec.list;
  if (type !== 'file') attrs.value = spec.value ?? '';
  return h('input', attrs);
}

// Builds <form> with one .field per spec, a problem area and the buttons.
export function buildForm({ title, intro, fields, submitLabel, onSubmit, onCancel, className }) {
  const formId = nextId('form');
  const problem = h('div', { class: 'alert', role: 'alert', tabindex: '-1', hidden: true });
  const form = h('form', { class: ['console-form', className], novalidate: true, 'aria-labelledby': title ? `${formId}--title` : undefined });
  if (title) form.append(h('h3', { id: `${formId}--title` }, title));
  if (intro) form.append(h('p', { class: 'hint' }, intro));
  form.append(problem);
  const controls = new Map();
  for (const spec of fields) {
    const id = `${formId}-${spec.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const errorId = `${id}-error`;
    const hintId = spec.hint ? `${id}-hint` : null;
    const describedBy = [hintId, errorId].filter(Boolean).join(' ');
    const input = control(spec, id, describedBy);
    const label = h('label', { for: id }, spec.label, spec.required ? h('span', { class: 'req' }, ' (required)') : null);
    const field = h('div', { class: ['field', spec.type === 'checkbox' && 'field-check'], dataset: { name: spec.name } },
      spec.type === 'checkbox' ? [input, label] : [label, input],
      hintId ? h('p', { class: 'hint', id: hintId }, spec.hint) : null,
      h('p', { class: 'field-error', id: errorId }));
    controls.set(spec.name, { spec, input, field });
    form.append(field);
  }
  const submit = h('button', { type: 'submit' }, submitLabel || 'Save');
  const buttons = h('div', { class: 'buttons' }, submit,
    onCancel ? h('button', { type: 'button', class: 'secondary', onclick: onCancel }, 'Cancel') : null);
  form.append(buttons);

  const api = {
    form,
    controls,
    clearErrors() {
      problem.hidden = true;
      problem.replaceChildren();
      for (const { field, input } of controls.values()) setFieldError(field, input, '');
    },
    // Shows an ApiError (or any Error): the detail on top, field errors next to their fields.
    showError(err) {
      const p = err instanceof ApiError ? err.problem : { title: 'Error', detail: err.message };
      const unplaced = [];
      let first = null;
      for (const fe of (err instanceof ApiError ? err.fieldErrors : [])) {
        let item = '';
        const match = [...controls.values()].find(({ spec }) => {
          if (pointerOf(spec.name) === fe.pointer || (spec.pointers || []).includes(fe.pointer)) return true;
          const m = ['list', 'lines'].includes(spec.type) &&
            new RegExp(`^${pointerOf(spec.name)}/(\\d+)$`).exec(fe.pointer);
          if (m) item = `item ${Number(m[1]) + 1}: `;
          return Boolean(m);
        });
        if (match) {
          setFieldError(match.field, match.input, item + fe.detail);
          first = first || match.input;
        } else {
          unplaced.push(`${fe.pointer}: ${fe.detail}`);
        }
      }
      problem.replaceChildren(
        h('p', {}, h('strong', {}, p.title || 'Error'), p.detail ? ` — ${p.detail}` : ''),
        unplaced.length ? h('ul', {}, unplaced.map((u) => h('li', {}, u))) : null);
      problem.hidden = false;
      (first || problem).focus();
    },
    values() {
      const out = {};
      for (const { spec, input } of controls.values()) {
        const v = readValue(spec, input);
        if (v === undefined) continue;
        setPath(out, spec.name, v);
      }
      return out;
    },
    // Required fields filled? Marks the empty ones; returns true when all are.
    checkRequired() {
      let first = null;
      for (const { spec, input, field } of controls.values()) {
        let message = '';
        const raw = spec.type === 'file' ? (input.files.length ? 'x' : '') : String(input.value ?? '').trim();
        if (spec.required && spec.type !== 'checkbox' && raw === '') message = 'is required';
        else if (spec.type === 'money' && raw !== '' && !/^[0-9]+([.,][0-9]{1,2})?$/.test(raw)) message = 'must be an amount such as 25.00';
        else if (spec.type === 'decimal' && raw !== '' && !/^-?[0-9]+([.,][0-9]+)?$/.test(raw)) message = 'must be a number such as 10 or 0.25';
        setFieldError(field, input, message);
        if (message && !first) first = input;
      }
      if (first) first.focus();
      return !first;
    },
    setBusy(busy) {
      submit.disabled = busy;
      form.setAttribute('aria-busy', busy ? 'true' : 'false');
    },
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    api.clearErrors();
    if (!api.checkRequired()) return;
    api.setBusy(true);
    try {
      await onSubmit(api.values(), api);
    } catch (err) {
      api.showError(err);
    } finally {
      api.setBusy(false);
    }
  });
  return api;
}

function setFieldError(field, input, message) {
  field.classList.toggle('has-error', Boolean(message));
  field.querySelector('.field-error').textContent = message || '';
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function readValue(spec, input) {
  const type = spec.type || 'text';
  if (type === 'checkbox') return input.checked;
  if (type === 'file') return input.files[0];
  const raw = String(input.value ?? '').trim();
  if (raw === '') return undefined;
  switch (type) {
    case 'integer': return Number.parseInt(raw, 10);
    case 'money': return Math.round(Number.parseFloat(raw.replace(',', '.')) * 100);
    case 'instant': return `${raw}T00:00:00Z`;
    case 'decimal': return Number(raw.replace(',', '.'));
    case 'list': return raw.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
    case 'lines': return raw.split('\n').map((s) => s.trim()).filter(Boolean);
    default: return spec.number ? Number(raw) : spec.boolean ? raw === 'true' : raw;
  }
}

function setPath(obj, dotted, value) {
  const parts = dotted.split('.');
  let at = obj;
  for (const p of parts.slice(0, -1)) at = (at[p] ??= {});
  at[parts[parts.length - 1]] = value;
}
