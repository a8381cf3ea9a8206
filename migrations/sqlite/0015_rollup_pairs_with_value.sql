-- Redress SQLite schema, version 15: the roll-ups' pair rows only where the filter has a value.
-- Append-only, like 0001; the build compiles this file into the binary.

-- A pair kind ("department+category", ...) is read by a dashboard filtered by one value of its
-- first dimension. A complaint just received has no category, department, location or handler,
-- so every intake wrote fifteen pair rows a day (and fifteen a month) under an empty filter
-- value that a dashboard reads only when filtered by '' (the API allows it); such a dashboard
-- now reads the facts instead (src/store/sqlite/facts_sql.cpp, PairOf), and the writer no
-- longer keeps those rows. The ones already written go: nothing would keep them in step.
DELETE FROM facts_daily WHERE instr(kind, '+') > 0 AND substr(value, 1, 1) = char(31);
DELETE FROM facts_monthly WHERE instr(kind, '+') > 0 AND substr(value, 1, 1) = char(31);
