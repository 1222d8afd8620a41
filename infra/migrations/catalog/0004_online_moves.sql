-- Catalog, step 4: online moves.
-- An online move copies the tenant by logical replication while it keeps serving, then pauses only its writes for the
-- cut-over. Its job records the phase it is in, the target's replication lag and the write pause the cut-over took;
-- a move may be cancelled before its cut-over.
ALTER TABLE catalog.tenant_moves
    ADD COLUMN mode text NOT NULL DEFAULT 'offline' CHECK (mode IN ('online', 'offline')),
    ADD COLUMN phase text CHECK (phase IN ('preparing', 'copying', 'catching-up', 'cutting-over', 'cleaning-up')),
    ADD COLUMN lag_bytes bigint CHECK (lag_bytes >= 0),
    ADD COLUMN write_pause_ms double precision CHECK (write_pause_ms >= 0),
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;

ALTER TABLE catalog.tenant_moves DROP CONSTRAINT tenant_moves_status_check;
ALTER TABLE catalog.tenant_moves ADD CONSTRAINT tenant_moves_status_check
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'));
