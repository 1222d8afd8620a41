-- The secret every silo and cluster client presents on the silos' internal endpoint. One row, written by
-- the first silo that starts (256 random bits from its CSPRNG, INSERT ... ON CONFLICT DO NOTHING, so silos
-- starting at once agree on one value) and read by every silo and client; Silo:ClusterSecret overrides it.
-- Whoever can read this table can call grains: grant it only to the roles that run silos and clients.
CREATE TABLE cluster.cluster_secret (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret bytea NOT NULL CHECK (length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
