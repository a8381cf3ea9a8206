-- Redress PostgreSQL schema, version 13: the twin of SQLite's 0013. The facts' indexes by
-- dimension hold only the rows that have a value: a complaint has no department, location or
-- handler until assessed or assigned (and no category until assessed), and an entry under ''
-- serves no dashboard. A filter by a value reads them when its SQL repeats the index's
-- condition (src/store/postgres/pg_facts.cpp adds "AND <dim> <> ''").
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
