-- The cluster's coordination store: who the silos are (membership) and where each grain's one
-- activation lives (grain directory). The same design as Orleans' ADO.NET clustering and
-- grain-directory providers.
CREATE SCHEMA IF NOT EXISTS cluster;

-- One row. Every membership change (join, status change, cleanup) is a compare-and-swap on this
-- version, so two writers that read the same version cannot both win; it also serializes them,
-- because each takes this row's lock before touching cluster.silos.
CREATE TABLE cluster.membership_version (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL DEFAULT 0 CHECK (version >= 0)
);

INSERT INTO cluster.membership_version (id, version) VALUES (true, 0);

-- One row per silo incarnation: a silo restarted on the same endpoint is a new generation.
CREATE TABLE cluster.silos (
    endpoint text NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 400),
    generation bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('joining', 'active', 'shutting_down', 'dead')),
    silo_name text NOT NULL CHECK (length(silo_name) <= 200),
    public_url text CHECK (length(public_url) <= 2000),
    started_at timestamptz NOT NULL,
    -- Stamped with the database clock only, so silo clocks need not agree.
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    -- Row version for compare-and-swap updates; heartbeats do not change it.
    etag bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (endpoint, generation)
);

-- No foreign key to cluster.silos: an entry may outlive its silo's row (cleaned up after death);
-- such an entry counts as dead and is replaced by the next registration.
CREATE TABLE cluster.grain_directory (
    grain_id text PRIMARY KEY,
    silo_endpoint text NOT NULL,
    silo_generation bigint NOT NULL,
    activation_id uuid NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- Serves removing every entry of a silo that died or stopped.
CREATE INDEX grain_directory_silo ON cluster.grain_directory (silo_endpoint, silo_generation);

-- Whether a silo may still hold activations right now: active, or shutting down (its activations run
-- OnDeactivateAsync and unregister themselves; replacing their entries meanwhile would allow a second
-- activation). Registration calls it after it has locked the conflicting directory
-- entry, and it must see the silo's status as of then: VOLATILE, because in READ COMMITTED each query of a
-- volatile function takes a fresh snapshot, whereas a plain subquery would use the snapshot from when the
-- statement began (before any lock wait) and could replace the entry of a silo that has turned active since.
-- plpgsql, so the planner never inlines it back into the calling statement.
CREATE FUNCTION cluster.silo_holds_activations(p_endpoint text, p_generation bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM cluster.silos
    WHERE endpoint = p_endpoint AND generation = p_generation AND status IN ('active', 'shutting_down')
  );
END
$$;
