-- Redress SQLite schema, version 6: complaint facts for the clause 8 analytics.
-- Append-only, like 0001; the build compiles this file into the binary.

-- One narrow row per complaint (core::ComplaintFacts): what the analytics count, without the
-- record's document, so a scan reads a few dozen bytes per complaint. The store's writer
-- keeps it in step with `complaints` as it inserts and updates them; a store opened on a
-- database whose facts lag behind its complaints rebuilds them from the documents.
CREATE TABLE facts (
  id           INTEGER PRIMARY KEY,  -- complaints.id
  received_at  INTEGER NOT NULL,
  day          INTEGER NOT NULL,     -- UTC days since 1970-01-01
  month        INTEGER NOT NULL,     -- year * 12 + month - 1
  category     TEXT    NOT NULL,
  product      TEXT    NOT NULL,
  channel      TEXT    NOT NULL,
  department   TEXT    NOT NULL,
  location     TEXT    NOT NULL,
  handler      TEXT    NOT NULL,
  cause        TEXT    NOT NULL,
  currency     TEXT    NOT NULL,
  state        TEXT    NOT NULL,
  policy       TEXT    NOT NULL,
  is_open      INTEGER NOT NULL,
  closed_at    INTEGER,
  resolve_days INTEGER,
  resolve_band INTEGER,              -- 0: within 3 business days, 1: within 8 weeks, 2: later
  ack          INTEGER NOT NULL,     -- -1 no clock, 0 breached, 1 met, 2 pending
  final        INTEGER NOT NULL,     -- the same for the final response
  outcome      INTEGER,              -- 0 upheld, 1 partly upheld, 2 not upheld
  redress      INTEGER NOT NULL,     -- minor units
  reopen_count INTEGER NOT NULL,
  referred     INTEGER NOT NULL,
  early        INTEGER NOT NULL,
  sat_handling INTEGER NOT NULL,     -- 1..5, 0 = no answer
  sat_outcome  INTEGER NOT NULL
) STRICT;

CREATE INDEX facts_received ON facts (received_at);
CREATE INDEX facts_closed   ON facts (closed_at) WHERE closed_at IS NOT NULL;
-- Open complaints by state and age are counted from this index alone.
CREATE INDEX facts_open     ON facts (state, received_at) WHERE is_open = 1;
CREATE INDEX facts_category ON facts (category, received_at);
CREATE INDEX facts_product  ON facts (product, received_at);

-- Daily roll-up of the facts by received day, one dimension at a time (kind '' is all
-- complaints, value ''); the measures are core::FactTally's. Queries over whole periods that
-- filter or group by at most one dimension read these rows instead of the facts. The writer
-- adds each change's difference once per commit. Rows may reach all zeros; queries skip them.
CREATE TABLE facts_daily (
  kind           TEXT    NOT NULL,
  day            INTEGER NOT NULL,
  value          TEXT    NOT NULL,
  received       INTEGER NOT NULL,
  open           INTEGER NOT NULL,
  closed         INTEGER NOT NULL,
  ack_met        INTEGER NOT NULL,
  ack_breached   INTEGER NOT NULL,
  final_met      INTEGER NOT NULL,
  final_breached INTEGER NOT NULL,
  upheld         INTEGER NOT NULL,
  partly_upheld  INTEGER NOT NULL,
  not_upheld     INTEGER NOT NULL,
  redress_minor  INTEGER NOT NULL,
  redressed      INTEGER NOT NULL,
  reopened       INTEGER NOT NULL,
  referred       INTEGER NOT NULL,
  early          INTEGER NOT NULL,
  surveys        INTEGER NOT NULL,
  handling_sum   INTEGER NOT NULL,
  outcome_sum    INTEGER NOT NULL,
  PRIMARY KEY (kind, day, value)
) STRICT, WITHOUT ROWID;

-- The same by month of receipt (year * 12 + month - 1): a period of whole months, or the whole
-- months inside a longer period, reads these rows, and facts_daily only for the days at its
-- edges.
CREATE TABLE facts_monthly (
  kind           TEXT    NOT NULL,
  month          INTEGER NOT NULL,
  value          TEXT    NOT NULL,
  received       INTEGER NOT NULL,
  open           INTEGER NOT NULL,
  closed         INTEGER NOT NULL,
  ack_met        INTEGER NOT NULL,
  ack_breached   INTEGER NOT NULL,
  final_met      INTEGER NOT NULL,
  final_breached INTEGER NOT NULL,
  upheld         INTEGER NOT NULL,
  partly_upheld  INTEGER NOT NULL,
  not_upheld     INTEGER NOT NULL,
  redress_minor  INTEGER NOT NULL,
  redressed      INTEGER NOT NULL,
  reopened       INTEGER NOT NULL,
  referred       INTEGER NOT NULL,
  early          INTEGER NOT NULL,
  surveys        INTEGER NOT NULL,
  handling_sum   INTEGER NOT NULL,
  outcome_sum    INTEGER NOT NULL,
  PRIMARY KEY (kind, month, value)
) STRICT, WITHOUT ROWID;
