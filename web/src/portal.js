// Progressive enhancement of the public portal's server-rendered pages. Everything works
// without this script (the server checks every field and answers with the same messages);
// with it the complaint form is checked as the complainant goes: on blur, and on submit,
// where the first invalid field gets the focus and nothing is sent.
//
// Markup contract (web/templates/form.html): <form class="complaint-form"> with the messages
// in data-msg-required, data-msg-email, data-msg-too-long, data-msg-future-date and
// data-msg-contact; each field a <div class="field" data-field="NAME"> holding a label, the
// control and <p class="field-error" id="ID-error">.
import './portal.css';

const CONTACT_FIELDS = ['complainant.email', 'complainant.phone', 'complainant.address'];

// The server's rule (src/app/requests.cpp LooksLikeEmail): something@something.tld, no spaces.
export function looksLikeEmail(s) {
  const at = s.indexOf('@');
  return at > 0 && at + 1 < s.length && s.indexOf('.', at) !== -1 && !s.includes(' ');
}

function controlOf(field) {
  return field.querySelector('input:not([type="hidden"]), textarea, select');
}

function errorOf(field, control) {
  const own = control && control.id ? document.getElementById(`${control.id}-error`) : null;
  return own || field.querySelector('.field-error');
}

function setError(field, message) {
  const control = controlOf(field);
  const out = errorOf(field, control);
  field.classList.toggle('has-error', Boolean(message));
  if (out) out.textContent = message || '';
  if (control) {
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
}

function enhance(form) {
  const msg = {
    required: form.dataset.msgRequired || 'This field is required.',
    email: form.dataset.msgEmail || 'Enter a valid email address.',
    tooLong: form.dataset.msgTooLong || 'This is too long.',
    future: form.dataset.msgFutureDate || 'The date cannot be in the future.',
    contact: form.dataset.msgContact || 'Give an email, phone number or postal address.',
  };
  const fields = [...form.querySelectorAll('.field[data-field]')];
  const byName = new Map(fields.map((f) => [f.dataset.field, f]));
  const contactFields = CONTACT_FIELDS.map((n) => byName.get(n)).filter(Boolean);
  // The message for a missing contact goes where the server puts it: the email field.
  const contactTarget = byName.get('complainant.email') || contactFields[0];

  form.setAttribute('novalidate', '');

  // The message for one field's own rules, or '' when it is fine.
  function check(field) {
    const c = controlOf(field);
    if (!c || c.type === 'file' || c.disabled) return '';
    const value = c.tagName === 'SELECT' ? c.value : c.value.trim();
    if (c.required && value === '') return msg.required;
    const max = Number(c.getAttribute('maxlength'));
    if (max > 0 && c.value.length > max) return msg.tooLong;
    if (value !== '' && c.type === 'email' && !looksLikeEmail(value)) return msg.email;
    if (value !== '' && c.type === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return msg.required;
      const latest = c.getAttribute('max');
      if (latest && value > latest) return msg.future;
    }
    return '';
  }

  function contactMissing() {
    return contactFields.length > 0 && contactFields.every((f) => controlOf(f).value.trim() === '');
  }

  // Checks every field; returns the first field in error, or null.
  function validateAll() {
    let first = null;
    for (const f of fields) {
      let m = check(f);
      if (!m && f === contactTarget && contactMissing()) m = msg.contact;
      setError(f, m);
      if (m && !first) first = f;
    }
    return first;
  }

  form.addEventListener('submit', (event) => {
    const first = validateAll();
    if (first) {
      event.preventDefault();
      const c = controlOf(first);
      (c || first).focus();
    }
  });

  for (const f of fields) {
    const c = controlOf(f);
    if (!c) continue;
    c.addEventListener('blur', () => {
      if (contactTarget && contactFields.includes(f)) {
        const target = controlOf(contactTarget);
        const shown = errorOf(contactTarget, target)?.textContent === msg.contact;
        if (shown) {
          // The missing-contact message goes as soon as any way to reach them is given.
          if (!contactMissing()) setError(contactTarget, check(contactTarget));
          if (f === contactTarget) return;
        }
      }
      // Nobody is told off for tabbing through empty fields; a field already marked is
      // rechecked so that its message goes as soon as it is fixed.
      if (c.value.trim() === '' && !f.classList.contains('has-error')) return;
      setError(f, check(f));
    });
  }
}

for (const form of document.querySelectorAll('form.complaint-form')) enhance(form);

// The console's sign-in page: a link into the console (/console#/complaints/X) arrives here
// with its #/... part, which a form post would drop; send it along so the server can return
// there after sign-in.
for (const form of document.querySelectorAll('form.login-form')) {
  const next = form.querySelector('input[name="next"]');
  if (next && /^#\/[\w\-./%=&?]*$/.test(window.location.hash)) next.value = window.location.hash;
}
