-- Plan changes (PRODUCT.md P5) run as durable workflows of their own kind: check that
-- current use fits the new plan, snapshot, apply, verify; a failure restores the snapshot.
-- Only the list of workflow kinds changes; the run's steps and outputs need nothing new.
ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_kind_check;
ALTER TABLE workflow_runs ADD CONSTRAINT workflow_runs_kind_check
    CHECK (kind IN ('provision', 'suspend', 'resume', 'terminate', 'change_plan'));
