-- The write path: writes that touch an environment's drift serialise on that environment
-- (an advisory lock), and each takes a generation from this sequence while it holds the lock,
-- so generations order an environment's drift changes as they commit. The tenant's DriftActor
-- applies a write's cells only if they are newer than what it holds.
create sequence drift_generation;
grant usage on sequence drift_generation to versiqii_app;
