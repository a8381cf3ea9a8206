-- Redress PostgreSQL schema, version 21. Append-only, like 0001.

-- SQLite's version 21 keeps the `received` event's copy of the record packed, as it keeps
-- records since version 20. PostgreSQL compresses a large payload itself (TOAST): nothing
-- changes here but the version, which names one schema on both stores.
SELECT 1;
