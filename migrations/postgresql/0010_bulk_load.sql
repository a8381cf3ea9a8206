-- Redress PostgreSQL schema, version 10: the twin of SQLite's 0010 (what a bulk load leaves
-- undone until it ends). The PostgreSQL store keeps no roll-ups and imports go to SQLite, so
-- these tables stay empty here; they keep both stores at one schema version.
CREATE TABLE store_flags (
  name  text PRIMARY KEY,
  value bigint NOT NULL
);

CREATE TABLE deferred_indexes (
  name text PRIMARY KEY,
  sql  text NOT NULL
);
