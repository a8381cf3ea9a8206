-- Redress PostgreSQL schema, version 7: learning records (root causes, actions, annotations,
-- audits; core/learning.hpp). Append-only, like 0001.

-- One JSON document per record (text, as the core wrote it); `kind` names its type.
CREATE TABLE records (
  kind       text   NOT NULL,
  id         bigint NOT NULL,
  doc        text   NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (kind, id)
);

-- The complaints a record links (a root cause and its complaints; an audit and its sample).
CREATE TABLE record_links (
  kind         text   NOT NULL,
  id           bigint NOT NULL,
  complaint_id bigint NOT NULL REFERENCES complaints (id),
  PRIMARY KEY (kind, id, complaint_id)
);
CREATE INDEX record_links_complaint ON record_links (complaint_id, kind);
