-- Redress PostgreSQL schema, version 4: saved views of the staff console.
-- Append-only, like 0001.

-- A user's named list queries; `query` is the list API's query string as saved.
CREATE TABLE saved_views (
  user_id    bigint NOT NULL REFERENCES users (id),
  name       text   NOT NULL,
  query      text   NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (user_id, name)
);
