-- Redress SQLite schema, version 9: roll-ups of one filter dimension by another, and indexes for
-- the facts a filtered dashboard still reads. Append-only, like 0001.

-- facts_daily and facts_monthly now also hold pair kinds ("product+category", ...: a product,
-- category, channel, department, location or handler by category, product, channel or cause;
-- see src/store/sqlite/facts_sql.cpp), so a dashboard filtered by one of those reads roll-ups
-- instead of one facts row per complaint. Emptying the facts makes the store rebuild them, and
-- both roll-ups with every kind, from the complaints when it next opens.
DELETE FROM facts;
DELETE FROM facts_daily;
DELETE FROM facts_monthly;

-- What a filtered dashboard still reads from the facts, one index per dimension for both: the
-- time to resolve of the value's complaints (a row lookup each, in the order of receipt, which
-- is about the order of the rows), and the open complaints by state and age (the index alone
-- covers it). They replace 0006's indexes by category and by product.
DROP INDEX facts_category;
DROP INDEX facts_product;
CREATE INDEX facts_by_product    ON facts (product, received_at, is_open, state);
CREATE INDEX facts_by_category   ON facts (category, received_at, is_open, state);
CREATE INDEX facts_by_channel    ON facts (channel, received_at, is_open, state);
CREATE INDEX facts_by_department ON facts (department, received_at, is_open, state);
CREATE INDEX facts_by_location   ON facts (location, received_at, is_open, state);
CREATE INDEX facts_by_handler    ON facts (handler, received_at, is_open, state);
