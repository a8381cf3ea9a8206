-- Redress PostgreSQL schema, version 11: work shared by several nodes (docs/postgresql.md,
-- "Several nodes").
--
-- Background work is claimed with SELECT ... FOR UPDATE SKIP LOCKED and a lease: the claiming
-- node's name and the instant (ms since the epoch) its claim ends. Until then no other node is
-- handed the item; a node that dies holding a claim loses it when the lease ends.

-- Clock checks: a complaint whose next clock instant has passed.
ALTER TABLE complaints ADD COLUMN claim_node  text   NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN claim_until bigint NOT NULL DEFAULT 0;

-- Outgoing messages: a pending notification whose next attempt is due. Recording an attempt
-- ends the claim (claim_until = 0).
ALTER TABLE notifications ADD COLUMN claim_node  text   NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN claim_until bigint NOT NULL DEFAULT 0;

-- Periodic jobs (the effectiveness checks of corrective actions): each runs once per period
-- across nodes. last_run_at is set when a run ends, so a run whose node died is claimed again
-- once its lease ends.
CREATE TABLE periodic_jobs (
  name        text   PRIMARY KEY,
  last_run_at bigint NOT NULL DEFAULT 0,
  claim_node  text   NOT NULL DEFAULT '',
  claim_until bigint NOT NULL DEFAULT 0
);

-- Rate limits (failed reference+secret lookups): a fixed window per key, shared by every node.
CREATE TABLE rate_limits (
  key          text   PRIMARY KEY,
  window_start bigint NOT NULL,
  hits         bigint NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
