-- Redress SQLite schema, version 3: complaints counted by state.
-- Append-only, like 0001; the build compiles this file into the binary.

-- Queue counts (GET /metrics, dashboards) read these few rows instead of scanning an index
-- entry per complaint, which at a million complaints took a tenth of a second. The store's
-- writer keeps them in step as it inserts and updates complaints (not a trigger: that would
-- make SQLite keep a statement journal for every insert). A row's count may reach 0; states
-- never seen have no row.
CREATE TABLE state_counts (
  state TEXT    PRIMARY KEY,
  n     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO state_counts (state, n) SELECT state, count(*) FROM complaints GROUP BY state;
