-- Redress SQLite schema, version 9: roll-ups of one filter dimension by another, and the open
-- complaints by product, category and channel. Append-only, like 0001.

-- facts_daily and facts_monthly now also hold pair kinds ("product+category", ...: product,
-- category or channel by category, product, channel or cause; see
-- src/store/sqlite/facts_sql.cpp), so a dashboard filtered by a product, a category or a channel
-- reads roll-ups instead of one facts row per complaint. Emptying the facts makes the store
-- rebuild them, and both roll-ups with every kind, from the complaints when it next opens.
DELETE FROM facts;
DELETE FROM facts_daily;
DELETE FROM facts_monthly;

-- Open complaints by age, filtered by one of these dimensions, are counted from these indexes
-- alone, not by a row lookup per complaint (is_open is a column too, or SQLite would not take
-- the index as covering a query that names it).
CREATE INDEX facts_open_product  ON facts (product, state, received_at, is_open)  WHERE is_open = 1;
CREATE INDEX facts_open_category ON facts (category, state, received_at, is_open) WHERE is_open = 1;
CREATE INDEX facts_open_channel  ON facts (channel, state, received_at, is_open)  WHERE is_open = 1;
