-- Redress PostgreSQL schema, version 6: complaint facts for the clause 8 analytics.
-- Append-only, like 0001.

-- One narrow row per complaint (core::ComplaintFacts): what the analytics count, without the
-- record's document. The store's writer keeps it in step with `complaints`. The analytics
-- queries read this table; the SQLite store's daily and monthly roll-ups (facts_daily,
-- facts_monthly) have no PostgreSQL counterpart yet.
CREATE TABLE facts (
  id           bigint PRIMARY KEY,  -- complaints.id
  received_at  bigint NOT NULL,
  day          bigint NOT NULL,     -- UTC days since 1970-01-01
  month        bigint NOT NULL,     -- year * 12 + month - 1
  category     text   NOT NULL,
  product      text   NOT NULL,
  channel      text   NOT NULL,
  department   text   NOT NULL,
  location     text   NOT NULL,
  handler      text   NOT NULL,
  cause        text   NOT NULL,
  currency     text   NOT NULL,
  state        text   NOT NULL,
  policy       text   NOT NULL,
  is_open      bigint NOT NULL,
  closed_at    bigint,
  resolve_days bigint,
  resolve_band bigint,              -- 0: within 3 business days, 1: within 8 weeks, 2: later
  ack          bigint NOT NULL,     -- -1 no clock, 0 breached, 1 met, 2 pending
  final        bigint NOT NULL,     -- the same for the final response
  outcome      bigint,              -- 0 upheld, 1 partly upheld, 2 not upheld
  redress      bigint NOT NULL,     -- minor units
  reopen_count bigint NOT NULL,
  referred     bigint NOT NULL,
  early        bigint NOT NULL,
  sat_handling bigint NOT NULL,     -- 1..5, 0 = no answer
  sat_outcome  bigint NOT NULL
);

CREATE INDEX facts_received ON facts (received_at);
CREATE INDEX facts_closed   ON facts (closed_at) WHERE closed_at IS NOT NULL;
-- Open complaints by state and age.
CREATE INDEX facts_open     ON facts (state, received_at) WHERE is_open = 1;
CREATE INDEX facts_category ON facts (category, received_at);
CREATE INDEX facts_product  ON facts (product, received_at);
