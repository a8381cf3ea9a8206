-- Redress PostgreSQL schema, version 15. Append-only, like 0001.

-- SQLite's version 15 drops the roll-ups' pair rows under an empty filter value. This store
-- keeps no roll-ups (see 0006): nothing changes here but the version, which names one schema
-- on both stores.
SELECT 1;
