-- The catalog: which tenants exist, where their data lives, how to reach it, who may call.
-- Connection settings are stored only as AES-256-GCM envelopes (text "v1:<keyId>:<payload>");
-- the key id is kept beside each envelope so that key rotation can find what it must re-encrypt.
CREATE SCHEMA IF NOT EXISTS catalog;

CREATE TABLE catalog.shard_sets (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every physical database that holds tenant data: the single-database install's own database,
-- named shared databases, shards, and the databases of dedicated tenants.
CREATE TABLE catalog.databases (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    kind text NOT NULL CHECK (kind IN ('single', 'shared', 'shard', 'dedicated')),
    shard_set text REFERENCES catalog.shard_sets (name),
    shard_index integer CHECK (shard_index >= 0),
    -- Envelope bound to 'database:<name>': {"connectionString": "...", "replicas": ["..."]} for the application role.
    connection_secret text NOT NULL,
    connection_key_id text NOT NULL,
    -- Envelope of the owner role's connection string that tenant migrations run as; null: use connection_secret.
    migration_secret text,
    migration_key_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'shard') = (shard_set IS NOT NULL AND shard_index IS NOT NULL)),
    CHECK ((migration_secret IS NULL) = (migration_key_id IS NULL)),
    UNIQUE (shard_set, shard_index)
);

CREATE TABLE catalog.tenants (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    industry text CHECK (length(industry) <= 100),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'moving')),
    placement_mode text NOT NULL CHECK (placement_mode IN ('single', 'dedicated', 'shared', 'sharded')),
    database_name text NOT NULL REFERENCES catalog.databases (name),
    -- Envelope bound to 'tenant:<id>' overriding the database's settings for this tenant
    -- ({"connectionString", "replicas"}); replaced by PUT /admin/tenants/{id}/connection.
    connection_secret text,
    connection_key_id text,
    max_pool_size integer NOT NULL DEFAULT 20 CHECK (max_pool_size BETWEEN 1 AND 500),
    max_concurrency integer NOT NULL DEFAULT 32 CHECK (max_concurrency BETWEEN 1 AND 1000),
    -- The tenant's id inside its data source when it differs from id (imported data).
    data_tenant_id text CHECK (length(data_tenant_id) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((connection_secret IS NULL) = (connection_key_id IS NULL))
);

CREATE INDEX tenants_database_name ON catalog.tenants (database_name);

-- Keys are high-entropy random strings: a SHA-256 hash is enough to store them, and the short
-- prefix finds the row without scanning. The key itself is shown once and never stored.
CREATE TABLE catalog.api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id text NOT NULL REFERENCES catalog.tenants (id) ON DELETE CASCADE,
    prefix text NOT NULL UNIQUE,
    key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
    name text CHECK (length(name) <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE INDEX api_keys_tenant_id ON catalog.api_keys (tenant_id);

-- Details never hold secrets: the code that writes here passes only names, ids and counts.
CREATE TABLE catalog.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_target_at ON catalog.audit_log (target, at);
