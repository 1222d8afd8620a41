-- Catalog, step 5: how far an online move's copy got.
-- The target's lag in seconds (besides bytes), and the tenant's rows on the target per table while the copy runs
-- (a JSON array of {table, rows}); rows_copied follows their sum.
ALTER TABLE catalog.tenant_moves
    ADD COLUMN lag_seconds double precision CHECK (lag_seconds >= 0),
    ADD COLUMN rows_by_table jsonb CHECK (rows_by_table IS NULL OR jsonb_typeof(rows_by_table) = 'array');
