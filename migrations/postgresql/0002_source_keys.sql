-- Redress PostgreSQL schema, version 2: keys of imported complaints (`redress import`).
-- Append-only, like 0001.

-- One row per complaint taken over from another system: that system's own key, the complaint
-- it became, and a digest of the source row as last imported.
CREATE TABLE source_keys (
  system       text   NOT NULL,     -- 'cfpb'
  external_id  text   NOT NULL,     -- the source's key, e.g. the CFPB Complaint ID
  complaint_id bigint NOT NULL REFERENCES complaints (id),
  row_hash     text   NOT NULL,     -- hex digest of the source row
  PRIMARY KEY (system, external_id)
);
