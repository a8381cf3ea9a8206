-- Redress PostgreSQL schema, version 3: complaints counted by state.
-- Append-only, like 0001.

-- Queue counts read these few rows instead of counting the complaints. The store's writer
-- keeps them in step as it inserts and updates complaints. A row's count may reach 0; states
-- never seen have no row.
CREATE TABLE state_counts (
  state text   PRIMARY KEY,
  n     bigint NOT NULL
);

INSERT INTO state_counts (state, n) SELECT state, count(*) FROM complaints GROUP BY state;
