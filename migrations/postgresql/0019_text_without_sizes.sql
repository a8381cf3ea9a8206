-- Redress PostgreSQL schema, version 19. Append-only, like 0001.

-- SQLite's version 19 makes its full-text index again without per-row column sizes, which no
-- search reads. PostgreSQL's index (complaint_text.terms) keeps none: nothing changes here but
-- the version, which names one schema on both stores.
SELECT 1;
