-- Redress PostgreSQL schema, version 14: the twin of SQLite's 0014. The facts' indexes by
-- dimension also hold the days to resolve, so a dashboard filtered by a dimension counts its
-- closed complaints by days to resolve (core::FactQuery::closed_only) from the index alone,
-- with no look-up of each complaint's facts row.
DROP INDEX facts_by_product;
DROP INDEX facts_by_category;
DROP INDEX facts_by_channel;
DROP INDEX facts_by_department;
DROP INDEX facts_by_location;
DROP INDEX facts_by_handler;
CREATE INDEX facts_by_product    ON facts (product, received_at, is_open, state, resolve_days)    WHERE product <> '';
CREATE INDEX facts_by_category   ON facts (category, received_at, is_open, state, resolve_days)   WHERE category <> '';
CREATE INDEX facts_by_channel    ON facts (channel, received_at, is_open, state, resolve_days)    WHERE channel <> '';
CREATE INDEX facts_by_department ON facts (department, received_at, is_open, state, resolve_days) WHERE department <> '';
CREATE INDEX facts_by_location   ON facts (location, received_at, is_open, state, resolve_days)   WHERE location <> '';
CREATE INDEX facts_by_handler    ON facts (handler, received_at, is_open, state, resolve_days)    WHERE handler <> '';
