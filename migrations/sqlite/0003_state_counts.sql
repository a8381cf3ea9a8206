-- Redress SQLite schema, version 3: complaints counted by state, kept by triggers.
-- Append-only, like 0001; src/store/sqlite/migrations.cpp embeds an identical copy.

-- Queue counts (GET /metrics, dashboards) read these few rows instead of scanning an index
-- entry per complaint, which at a million complaints took a tenth of a second. A row's count
-- may reach 0; states never seen have no row.
CREATE TABLE state_counts (
  state TEXT    PRIMARY KEY,
  n     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO state_counts (state, n) SELECT state, count(*) FROM complaints GROUP BY state;

CREATE TRIGGER complaints_count_insert AFTER INSERT ON complaints BEGIN
  INSERT INTO state_counts (state, n) VALUES (new.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER complaints_count_update AFTER UPDATE OF state ON complaints
  WHEN old.state IS NOT new.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE state = old.state;
  INSERT INTO state_counts (state, n) VALUES (new.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER complaints_count_delete AFTER DELETE ON complaints BEGIN
  UPDATE state_counts SET n = n - 1 WHERE state = old.state;
END;
