-- Redress SQLite schema, version 4: saved views of the staff console.
-- Append-only, like 0001; the build compiles this file into the binary.

-- A user's named list queries; `query` is the list API's query string as saved.
CREATE TABLE saved_views (
  user_id    INTEGER NOT NULL REFERENCES users (id),
  name       TEXT    NOT NULL,
  query      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
) STRICT, WITHOUT ROWID;
