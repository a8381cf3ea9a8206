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

-- What a filtered dashboard still reads from the facts: the time to resolve (by the filter and
-- the period of receipt), and the open complaints by age, counted from the partial indexes alone
-- (is_open is a column too, or SQLite would not take the index as covering a query naming it).
CREATE INDEX facts_channel    ON facts (channel, received_at);
CREATE INDEX facts_department ON facts (department, received_at);
CREATE INDEX facts_location   ON facts (location, received_at);
CREATE INDEX facts_handler    ON facts (handler, received_at);
CREATE INDEX facts_open_product    ON facts (product, state, received_at, is_open)    WHERE is_open = 1;
CREATE INDEX facts_open_category   ON facts (category, state, received_at, is_open)   WHERE is_open = 1;
CREATE INDEX facts_open_channel    ON facts (channel, state, received_at, is_open)    WHERE is_open = 1;
CREATE INDEX facts_open_department ON facts (department, state, received_at, is_open) WHERE is_open = 1;
CREATE INDEX facts_open_location   ON facts (location, state, received_at, is_open)   WHERE is_open = 1;
CREATE INDEX facts_open_handler    ON facts (handler, state, received_at, is_open)    WHERE is_open = 1;
