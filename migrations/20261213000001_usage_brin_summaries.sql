-- The rollup finds the events of new batches through the BRIN index on `batch`. A range
-- of pages nobody has summarized yet matches every query, so each round would read every
-- page written since the partition's last VACUUM (most of today's events, growing all day).
-- The rollup worker calls this before each round: it summarizes the partitions' new ranges,
-- so a round reads only the pages that hold its batches. A partition that VACUUM holds at
-- that moment is skipped rather than waited for (VACUUM summarizes it too), and the wait
-- stays under deadlock_timeout, so an autovacuum is never cancelled on our account.
CREATE FUNCTION usage_summarize_new_ranges() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    idx regclass;
    made bigint := 0;
BEGIN
    PERFORM set_config('lock_timeout', '100ms', true);
    FOR idx IN
        SELECT i.indexrelid::regclass
        FROM pg_inherits h
        JOIN pg_index i ON i.indrelid = h.inhrelid
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_am a ON a.oid = c.relam
        WHERE h.inhparent = 'usage_events'::regclass AND a.amname = 'brin'
    LOOP
        BEGIN
            made := made + brin_summarize_new_values(idx);
        EXCEPTION WHEN lock_not_available THEN
            NULL;
        END;
    END LOOP;
    RETURN made;
END $$;
