-- Redress SQLite schema, version 17. Append-only, like 0001.

-- PostgreSQL's version 17 has the node write complaint_text's search terms instead of a
-- generated column. SQLite's full-text index (FTS5) makes its own: nothing changes here but
-- the version, which names one schema on both stores.
SELECT 1;
