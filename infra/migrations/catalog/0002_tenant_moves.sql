-- Catalog, step 2: tenant moves between databases.
-- A move copies the tenant's rows to the target database inside one exclusive turn of its grain, then points the
-- tenant at the target in the same catalog transaction that marks the move completed. A move that was running
-- when its silo stopped is marked failed by the tenant's next activation; nothing had been switched.
CREATE TABLE catalog.tenant_moves (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id text NOT NULL REFERENCES catalog.tenants (id) ON DELETE CASCADE,
    from_mode text NOT NULL CHECK (from_mode IN ('single', 'dedicated', 'shared', 'sharded')),
    from_database text NOT NULL,
    to_mode text NOT NULL CHECK (to_mode IN ('single', 'dedicated', 'shared', 'sharded')),
    to_database text NOT NULL REFERENCES catalog.databases (name),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    rows_copied bigint NOT NULL DEFAULT 0 CHECK (rows_copied >= 0),
    -- Why it failed, in words: error codes and table names, never connection settings.
    error text CHECK (length(error) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    CHECK ((status = 'failed') = (error IS NOT NULL))
);

CREATE INDEX tenant_moves_tenant ON catalog.tenant_moves (tenant_id, created_at);

-- One unfinished move per tenant at a time.
CREATE UNIQUE INDEX tenant_moves_one_open ON catalog.tenant_moves (tenant_id) WHERE status IN ('pending', 'running');
