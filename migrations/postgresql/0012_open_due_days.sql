-- Redress PostgreSQL schema, version 12: open complaints counted by the day they fall due.
-- Append-only, like 0001.

-- The overdue count adds up these rows for the days before today and counts in the
-- complaints' due index only what falls due today. `day` is next_due / 86400000: whole UTC
-- days since 1970. The store's writer keeps the rows in step as it inserts and updates
-- complaints, as it does state_counts. A row's count may reach 0.
CREATE TABLE open_due_days (
  day bigint PRIMARY KEY,
  n   bigint NOT NULL
);

INSERT INTO open_due_days (day, n)
  SELECT next_due / 86400000, count(*) FROM complaints
  WHERE is_open = 1 AND next_due IS NOT NULL
  GROUP BY next_due / 86400000;
