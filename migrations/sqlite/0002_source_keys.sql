-- Redress SQLite schema, version 2: keys of imported complaints (`redress import`).
-- Append-only, like 0001; src/store/sqlite/migrations.cpp embeds an identical copy.

-- One row per complaint taken over from another system: that system's own key, the complaint
-- it became, and a digest of the source row as last imported, so a second import of the same
-- file finds every row by key and tells unchanged rows from changed ones without reading the
-- complaint.
CREATE TABLE source_keys (
  system       TEXT    NOT NULL,     -- 'cfpb'
  external_id  TEXT    NOT NULL,     -- the source's key, e.g. the CFPB Complaint ID
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  row_hash     TEXT    NOT NULL,     -- hex digest of the source row
  PRIMARY KEY (system, external_id)
) STRICT, WITHOUT ROWID;
