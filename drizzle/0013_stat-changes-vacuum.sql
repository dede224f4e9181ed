-- finding_stat_deltas is a queue: triggers append a row per finding change, a fold deletes them all.
-- By default autovacuum waits for 20% of the table to be dead, and until it runs every read walks the
-- dead rows (and statistics still count them as live). Vacuum and analyze it after 5,000 changes.
ALTER TABLE "finding_stat_deltas" SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000
);
