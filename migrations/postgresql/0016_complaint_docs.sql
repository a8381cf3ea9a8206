-- Redress PostgreSQL schema, version 16. Append-only, like 0001.

-- SQLite's version 16 moves each complaint's record into a table of its own, so that its
-- complaints table holds only the columns lists and index builds read. PostgreSQL already
-- stores a value of more than about 2 KB out of its row (TOAST): nothing changes here but the
-- version, which names one schema on both stores.
SELECT 1;
