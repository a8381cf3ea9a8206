-- Redress SQLite schema, version 13: the facts' indexes by dimension hold only the rows that
-- have a value. Append-only, like 0001; the build compiles this file into the binary.

-- A complaint has no department, location or handler until someone assesses or assigns it,
-- and none at all when imported from the CFPB's data; it has no category until assessed. An
-- index entry under '' serves no dashboard (the console filters by a value, never by none),
-- yet every intake wrote up to four of them and a bulk load built three indexes of nothing
-- but '' (a million entries each, about a second apiece at the end of the CFPB import).
-- A filter by a value reads these indexes when its SQL repeats the index's condition
-- (src/store/sqlite/facts_sql.cpp adds "AND <dim> <> ''"); a filter by '' (the API allows
-- it) reads the facts in order of receipt instead.
DROP INDEX facts_by_product;
DROP INDEX facts_by_category;
DROP INDEX facts_by_channel;
DROP INDEX facts_by_department;
DROP INDEX facts_by_location;
DROP INDEX facts_by_handler;
CREATE INDEX facts_by_product    ON facts (product, received_at, is_open, state)    WHERE product <> '';
CREATE INDEX facts_by_category   ON facts (category, received_at, is_open, state)   WHERE category <> '';
CREATE INDEX facts_by_channel    ON facts (channel, received_at, is_open, state)    WHERE channel <> '';
CREATE INDEX facts_by_department ON facts (department, received_at, is_open, state) WHERE department <> '';
CREATE INDEX facts_by_location   ON facts (location, received_at, is_open, state)   WHERE location <> '';
CREATE INDEX facts_by_handler    ON facts (handler, received_at, is_open, state)    WHERE handler <> '';
