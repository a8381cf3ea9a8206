-- Redress SQLite schema, version 18. Append-only, like 0001.

-- A new complaint names no investigator and, until it is assessed, no category, yet each had an
-- entry in the indexes by investigator and by category that no list reads (a list filters on a
-- named one), and every commit of new complaints rewrote the last pages of both. Both indexes
-- now hold only the complaints that name one; the list statements say `<> ''` so that they
-- serve (docs/performance.md).
DROP INDEX complaints_investigator;
CREATE INDEX complaints_investigator ON complaints (investigator, received_at) WHERE investigator <> '';
DROP INDEX complaints_category;
CREATE INDEX complaints_category ON complaints (category, received_at) WHERE category <> '';
