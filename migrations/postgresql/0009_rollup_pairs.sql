-- Redress PostgreSQL schema, version 9: the facts' indexes by dimension. Append-only, like 0001.

-- SQLite's version 9 adds pair kinds to its roll-ups (not kept here, see 0006) and these
-- indexes: one per dimension, for the time to resolve of a value's complaints and the open
-- complaints by state and age. They replace 0006's indexes by category and by product.
DROP INDEX facts_category;
DROP INDEX facts_product;
CREATE INDEX facts_by_product    ON facts (product, received_at, is_open, state);
CREATE INDEX facts_by_category   ON facts (category, received_at, is_open, state);
CREATE INDEX facts_by_channel    ON facts (channel, received_at, is_open, state);
CREATE INDEX facts_by_department ON facts (department, received_at, is_open, state);
CREATE INDEX facts_by_location   ON facts (location, received_at, is_open, state);
CREATE INDEX facts_by_handler    ON facts (handler, received_at, is_open, state);
