-- Redress SQLite schema, version 7: learning records (root causes, actions, annotations,
-- audits; core/learning.hpp). Append-only, like 0001; the build compiles this file in.

-- One JSON document per record; `kind` names its type. Few enough (hundreds, thousands) to
-- list whole.
CREATE TABLE records (
  kind       TEXT    NOT NULL,
  id         INTEGER NOT NULL,
  doc        TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
) STRICT;

-- The complaints a record links (a root cause and its complaints; an audit and its sample).
CREATE TABLE record_links (
  kind         TEXT    NOT NULL,
  id           INTEGER NOT NULL,
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  PRIMARY KEY (kind, id, complaint_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX record_links_complaint ON record_links (complaint_id, kind);
