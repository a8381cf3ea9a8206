-- Redress SQLite schema, version 10: what a bulk load (`redress import` of many rows) leaves
-- undone until it ends. Append-only, like 0001.

-- rollups_stale = 1 while the roll-ups (facts_daily, facts_monthly) lag the facts: a bulk load
-- sums their differences in memory and writes them when it ends. A store opened with the flag
-- still set (the load was killed) rebuilds both roll-ups from the facts.
CREATE TABLE store_flags (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- Secondary indexes a bulk load dropped, with the statement that makes each again: built at the
-- end of the load in one pass each, or when the store next opens if the load did not end.
CREATE TABLE deferred_indexes (
  name TEXT PRIMARY KEY,
  sql  TEXT NOT NULL
) WITHOUT ROWID;
