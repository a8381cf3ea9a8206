-- Redress SQLite schema, version 16: each complaint's record in a table of its own.
-- Append-only, like 0001; the build compiles this file into the binary.

-- The record (core::ToStorageJson, about 2 KB for a complaint with a narrative) made the
-- complaints table ten times the size of its other columns. Lists, counts, the scheduler and
-- the dashboards read only those columns, and building an index (a bulk load's end) reads the
-- whole table: kept apart, a complaint row is about 200 bytes and a page holds forty of them
-- instead of four. A complaint is read with its record by id, one more seek
-- (docs/performance.md).
CREATE TABLE complaint_docs (
  id  INTEGER PRIMARY KEY,  -- complaints.id
  doc TEXT    NOT NULL
) STRICT;

INSERT INTO complaint_docs (id, doc) SELECT id, doc FROM complaints ORDER BY id;

-- The complaints table made again without `doc` (SQLite's procedure for a change ALTER TABLE
-- cannot make in place; the migration runner turns foreign keys off around it and checks
-- them before it commits). DROP COLUMN would leave the table's 2 KB rows' pages as they are,
-- a tenth full, and hold a copy of every page it rewrites in memory until it ends.
CREATE TABLE complaints_v16 (
  id            INTEGER PRIMARY KEY,
  reference     TEXT    NOT NULL UNIQUE,
  prefix        TEXT    NOT NULL,
  year          INTEGER NOT NULL,
  seq           INTEGER NOT NULL,
  state         TEXT    NOT NULL,
  priority      INTEGER NOT NULL,
  category      TEXT    NOT NULL,
  product       TEXT    NOT NULL,
  channel       TEXT    NOT NULL,
  assignee      TEXT    NOT NULL,     -- '' = unassigned
  investigator  TEXT    NOT NULL,
  persons_named TEXT    NOT NULL,     -- ' name1 name2 ' lower-case, or '' (scope exclusion)
  received_at   INTEGER NOT NULL,
  next_due      INTEGER,              -- earliest due of running/paused clocks
  next_clock    INTEGER,              -- next warn/due instant the scheduler must evaluate
  is_open       INTEGER NOT NULL,     -- 0 when closed or withdrawn
  version       INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  follow_up_at  INTEGER               -- migration 0008
) STRICT;

INSERT INTO complaints_v16 (id, reference, prefix, year, seq, state, priority, category, product,
                            channel, assignee, investigator, persons_named, received_at,
                            next_due, next_clock, is_open, version, updated_at, follow_up_at)
SELECT id, reference, prefix, year, seq, state, priority, category, product, channel, assignee,
       investigator, persons_named, received_at, next_due, next_clock, is_open, version,
       updated_at, follow_up_at
FROM complaints ORDER BY id;

DROP TABLE complaints;
ALTER TABLE complaints_v16 RENAME TO complaints;

-- The indexes of 0001 and 0008, as they were.
CREATE INDEX complaints_received     ON complaints (received_at);
CREATE INDEX complaints_state        ON complaints (state, received_at);
CREATE INDEX complaints_category     ON complaints (category, received_at);
CREATE INDEX complaints_priority     ON complaints (priority, received_at);
CREATE INDEX complaints_assignee     ON complaints (assignee, received_at);
CREATE INDEX complaints_investigator ON complaints (investigator, received_at);
CREATE INDEX complaints_due          ON complaints (next_due)   WHERE is_open = 1;
CREATE INDEX complaints_clock        ON complaints (next_clock) WHERE is_open = 1;
CREATE INDEX complaints_follow_up    ON complaints (follow_up_at) WHERE follow_up_at IS NOT NULL;

-- A bulk load that did not end had dropped some of them (migration 0010): they exist again.
DELETE FROM deferred_indexes WHERE name IN (SELECT name FROM sqlite_schema WHERE type = 'index');
