// The inputs of each action the console can take on a complaint, as form field specs
// (forms.js). Lifecycle actions are POST /api/v1/complaints/{ref}/{action} with the body of
// src/app/requests.cpp ParseActionInput; the others are the complaint's operations
// (assign, escalate). Notes and attachments have their own sections on the complaint page.

// The follow-up date at closure (empty: the policy's follow_up_days after closure).
const FOLLOW_UP_ON = { name: 'follow_up_on', label: 'Follow-up date (empty: the policy’s default)', type: 'date' };

const CAUSES = [
  ['people', 'People'], ['process', 'Process'], ['product', 'Product'], ['system', 'System'],
  ['third_party', 'Third party'], ['policy', 'Policy'],
];
const LEVELS = [['none', 'None'], ['low', 'Low'], ['medium', 'Medium'], ['high', 'High']];
const reason = (label = 'Reason') => ({ name: 'reason', label, type: 'textarea', required: true, maxlength: 20000 });

export const ACTIONS = {
  acknowledge: {
    label: 'Acknowledge',
    intro: 'Records that the complaint has been acknowledged to the complainant.',
    fields: () => [],
  },
  assess: {
    label: 'Assess',
    intro: 'Classify the complaint; the priority (P1–P4) follows from severity, safety risk, impact and the need for immediate action.',
    fields: (c) => {
      const a = c.assessment || {};
      return [
        { name: 'category', label: 'Category', required: true, maxlength: 200, value: a.category,
          hint: 'A taxonomy id, e.g. banking/current-account/fees', list: 'category-suggestions',
          pointers: ['/assessment/category'] },
        { name: 'severity', label: 'Severity', type: 'select', required: true, number: true,
          value: a.severity || '', blank: 'Choose…', pointers: ['/assessment/severity'],
          options: [['1', '1 — minor'], ['2', '2 — moderate'], ['3', '3 — serious'], ['4', '4 — critical']] },
        { name: 'safety', label: 'Safety or health impact', type: 'select', required: true, value: a.safety || 'none',
          options: [['none', 'None'], ['potential', 'Potential'], ['actual', 'Actual']] },
        { name: 'complexity', label: 'Complexity', type: 'select', required: true, value: a.complexity || 'simple',
          options: [['simple', 'Simple'], ['moderate', 'Moderate'], ['complex', 'Complex']] },
        { name: 'impact_complainant', label: 'Impact on the complainant', type: 'select', options: LEVELS, value: a.impact_complainant },
        { name: 'impact_organisation', label: 'Impact on the organisation', type: 'select', options: LEVELS, value: a.impact_organisation },
        { name: 'immediate_action_needed', label: 'Immediate action needed', type: 'checkbox', value: a.immediate_action_needed },
        { name: 'flags', label: 'Flags', type: 'list', hint: 'Comma-separated regime variants, e.g. payment_service, hardship',
          value: (a.flags || []).join(', ') },
        { name: 'notes', label: 'Assessment notes', type: 'textarea', maxlength: 20000, value: a.notes },
        { name: 'assignee', label: 'Assign to (username)', maxlength: 64, value: c.assignee, autocomplete: 'off' },
      ];
    },
  },
  investigate: {
    label: 'Investigate',
    intro: 'Starts the investigation.',
    fields: (c, me) => [
      { name: 'investigator', label: 'Investigator (username)', maxlength: 64, autocomplete: 'off',
        value: c.investigator || me.username, hint: 'An active investigator, handler or manager; required unless one is set.' },
    ],
  },
  request_information: {
    label: 'Request information',
    intro: 'Asks the complainant a question; clocks pause where the policy allows it.',
    fields: () => [{ name: 'question', label: 'Question to the complainant', type: 'textarea', required: true, maxlength: 20000 }],
  },
  provide_information: {
    label: 'Record information',
    intro: 'Records information the complainant gave by another channel and resumes the investigation.',
    fields: () => [{ name: 'information', label: 'Information received', type: 'textarea', maxlength: 20000 }],
  },
  propose_decision: {
    label: 'Propose decision',
    intro: 'Proposes the decision and any remedy; it is communicated after approval.',
    fields: () => [
      { name: 'outcome', label: 'Outcome', type: 'select', required: true, blank: 'Choose…',
        options: [['upheld', 'Upheld'], ['partly_upheld', 'Partly upheld'], ['not_upheld', 'Not upheld']] },
      { name: 'reasons', label: 'Reasons', type: 'textarea', required: true, maxlength: 20000, rows: 5 },
      { name: 'remedy.type', label: 'Remedy type', maxlength: 64, list: 'remedy-types', hint: 'e.g. apology, refund, repair, goodwill payment' },
      { name: 'remedy.amount_minor', label: 'Remedy amount', type: 'money', hint: 'In the currency’s units, e.g. 25.00' },
      { name: 'remedy.currency', label: 'Currency', maxlength: 3, hint: 'ISO 4217 code, e.g. GBP; needed with an amount' },
      { name: 'remedy.due', label: 'Remedy due by', type: 'instant' },
    ],
  },
  return_proposal: { label: 'Return proposal', intro: 'Sends the proposal back to investigation.', fields: () => [reason()] },
  communicate_decision: {
    label: 'Communicate decision',
    intro: 'Records that the proposed decision has been sent to the complainant. A remedy must be within your authority limit.',
    fields: () => [],
  },
  review: { label: 'Review', intro: 'Reopens the investigation to review a communicated decision.', fields: () => [reason()] },
  close: {
    label: 'Close',
    intro: 'Closes the complaint once the decision is communicated and the complainant replied (or the reply window passed).',
    fields: (c) => [
      { name: 'cause', label: 'Root cause', type: 'select', options: CAUSES, required: !c.closure?.cause, value: c.closure?.cause, blank: 'Choose…' },
      { name: 'acceptance', label: 'Complainant’s reply', type: 'select',
        options: [['accepts', 'Accepts the decision'], ['rejects', 'Rejects the decision'], ['no_reply', 'No reply']] },
      { name: 'reason', label: 'Closure reason', type: 'select',
        options: [['resolved_accepted', 'Resolved, accepted'], ['no_reply', 'No reply'], ['rejected_recourse_given', 'Rejected, recourse given']] },
      FOLLOW_UP_ON,
    ],
  },
  close_early: {
    label: 'Close early',
    intro: 'Closes a complaint resolved at once, or a duplicate.',
    fields: () => [
      { name: 'summary', label: 'Summary of the resolution', type: 'textarea', required: true, maxlength: 20000 },
      { name: 'cause', label: 'Root cause', type: 'select', options: CAUSES, required: true, blank: 'Choose…' },
      { name: 'duplicate_of', label: 'Duplicate of (reference)', maxlength: 40 },
      FOLLOW_UP_ON,
    ],
  },
  refer: {
    label: 'Refer',
    intro: 'Refers the complaint to an external body (an ombudsman, a regulator).',
    fields: () => [
      { name: 'body', label: 'External body', required: true, maxlength: 200 },
      { name: 'external_reference', label: 'Their reference', maxlength: 100 },
      { name: 'reply_deadline', label: 'Reply deadline', type: 'instant' },
    ],
  },
  conclude_referral: {
    label: 'Conclude referral',
    intro: 'Records the external body’s outcome and closes the complaint.',
    fields: () => [
      { name: 'external_outcome', label: 'External outcome', type: 'textarea', required: true, maxlength: 2000 },
      { name: 'cause', label: 'Root cause', type: 'select', options: CAUSES },
      FOLLOW_UP_ON,
    ],
  },
  refer_back: { label: 'Refer back', intro: 'Returns a referred complaint to investigation.', fields: () => [reason()] },
  withdraw: {
    label: 'Withdraw',
    intro: 'Records the complainant’s withdrawal; the complaint still counts.',
    fields: () => [reason('How the complainant instructed the withdrawal')],
  },
  reopen: { label: 'Reopen', intro: 'Reopens a closed or withdrawn complaint; its clocks keep their history.', fields: () => [reason()] },
  assign: {
    label: 'Assign',
    path: 'assign',
    intro: 'Gives the complaint to an active handler or manager.',
    fields: (c) => [{ name: 'assignee', label: 'Assignee (username)', required: true, maxlength: 64, value: c.assignee, autocomplete: 'off' }],
  },
  escalate: {
    label: 'Escalate',
    path: 'escalate',
    intro: 'Flags the complaint for internal escalation and raises its priority.',
    fields: () => [reason()],
  },
  follow_up: {
    label: 'Record follow-up',
    path: 'follow-up',
    intro: 'Records whether the complainant confirmed, at the follow-up, that they are satisfied. If not, a manager can reopen the complaint.',
    fields: () => [
      { name: 'satisfied', label: 'Is the complainant satisfied?', type: 'select', required: true, blank: 'Choose…', boolean: true,
        options: [['true', 'Yes, satisfied'], ['false', 'No, not satisfied']] },
      { name: 'note', label: 'Note', type: 'textarea', maxlength: 4000 },
    ],
  },
};

// Operations listed in my_operations (or my_actions) that are sections, not action buttons.
export const SECTION_OPERATIONS = new Set(['note', 'attachment']);
