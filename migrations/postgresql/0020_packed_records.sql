-- Redress PostgreSQL schema, version 20. Append-only, like 0001.

-- SQLite's version 20 keeps complaint records LZ4-compressed against a dictionary of the
-- store's own records. PostgreSQL compresses a large record itself (TOAST): nothing changes
-- here but the version, which names one schema on both stores.
SELECT 1;
