-- Cluster, step 3: the cluster runs on Microsoft Orleans, whose ADO.NET clustering provider keeps membership
-- here. The tables of steps 1 and 2 (membership, grain directory, a transport secret) go: Orleans keeps its
-- grain directory in the silos, and its transport needs no shared secret.
--
-- Orleans' ADO.NET providers run no SQL of their own: at start they read `OrleansQuery` (query key -> SQL text
-- with @named parameters) and run those texts. The texts below are ours, written to the provider's contract:
-- the parameter names it binds, the column names it reads, and "a single value > 0 means it was applied" for
-- the writes it checks. Its tables are named unqualified, so silos connect with search_path = orleans.
DROP SCHEMA cluster CASCADE;

CREATE SCHEMA orleans;

CREATE TABLE orleans.orleansquery (
    querykey varchar(64) PRIMARY KEY,
    querytext text NOT NULL
);

-- One row per cluster (Orleans calls the cluster id "deployment id"). Every membership change is a
-- compare-and-swap on its version, so two silos that read the same version cannot both write.
CREATE TABLE orleans.orleansmembershipversiontable (
    deploymentid varchar(150) PRIMARY KEY,
    "timestamp" timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 0 CHECK (version >= 0)
);

-- One row per silo incarnation: a silo restarted on the same endpoint is a new generation.
CREATE TABLE orleans.orleansmembershiptable (
    deploymentid varchar(150) NOT NULL REFERENCES orleans.orleansmembershipversiontable (deploymentid),
    address varchar(45) NOT NULL,
    port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    generation integer NOT NULL,
    siloname varchar(150) NOT NULL,
    hostname varchar(150) NOT NULL,
    -- Orleans' SiloStatus: 1 created, 2 joining, 3 active, 4 shutting down, 5 stopping, 6 dead.
    status integer NOT NULL CHECK (status BETWEEN 0 AND 6),
    proxyport integer,
    -- "silo,time|silo,time": who suspects this silo of being dead, and since when.
    suspecttimes text,
    starttime timestamptz NOT NULL,
    iamalivetime timestamptz NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

INSERT INTO orleans.orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans.orleansmembershipversiontable (deploymentid)
    VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING 1)
SELECT count(*)::integer FROM created
$q$),

-- The row goes in and the version moves on together, or neither happens: the version row is locked first and
-- must still hold the version the silo read (READ COMMITTED re-checks it after waiting for the lock).
('InsertMembershipKey', $q$
WITH expected AS (
    SELECT deploymentid FROM orleans.orleansmembershipversiontable
    WHERE deploymentid = @DeploymentId AND version = @Version
    FOR UPDATE),
joined AS (
    INSERT INTO orleans.orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    SELECT deploymentid, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort::integer, @StartTime, @IAmAliveTime
    FROM expected
    ON CONFLICT (deploymentid, address, port, generation) DO NOTHING
    RETURNING deploymentid),
advanced AS (
    UPDATE orleans.orleansmembershipversiontable v SET version = v.version + 1, "timestamp" = now()
    FROM joined WHERE v.deploymentid = joined.deploymentid
    RETURNING 1)
SELECT count(*)::integer FROM advanced
$q$),

('UpdateMembershipKey', $q$
WITH expected AS (
    SELECT deploymentid FROM orleans.orleansmembershipversiontable
    WHERE deploymentid = @DeploymentId AND version = @Version
    FOR UPDATE),
changed AS (
    UPDATE orleans.orleansmembershiptable m
    SET status = @Status, suspecttimes = @SuspectTimes::text, iamalivetime = @IAmAliveTime
    FROM expected
    WHERE m.deploymentid = expected.deploymentid AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING m.deploymentid),
advanced AS (
    UPDATE orleans.orleansmembershipversiontable v SET version = v.version + 1, "timestamp" = now()
    FROM changed WHERE v.deploymentid = changed.deploymentid
    RETURNING 1)
SELECT count(*)::integer FROM advanced
$q$),

-- Heartbeats do not move the version: they change no one's view of who is alive.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans.orleansmembershiptable SET iamalivetime = @IAmAliveTime
WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- The version row comes back even without a matching silo: the provider reads the version from it.
('MembershipReadRowKey', $q$
SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime, v.version
FROM orleans.orleansmembershipversiontable v
LEFT JOIN orleans.orleansmembershiptable m
       ON m.deploymentid = v.deploymentid AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deploymentid = @DeploymentId
$q$),

('MembershipReadAllKey', $q$
SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime, v.version
FROM orleans.orleansmembershipversiontable v
LEFT JOIN orleans.orleansmembershiptable m ON m.deploymentid = v.deploymentid
WHERE v.deploymentid = @DeploymentId
$q$),

('GatewaysQueryKey', $q$
SELECT address, proxyport, generation
FROM orleans.orleansmembershiptable
WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0
$q$),

-- Dead and never-started silos whose last heartbeat is older than the cut-off; an active row is never removed.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans.orleansmembershiptable
WHERE deploymentid = @DeploymentId AND iamalivetime < @IAmAliveTime AND status <> 3
$q$),

-- One statement: the foreign key is checked at its end, when both are gone.
('DeleteMembershipTableEntriesKey', $q$
WITH members AS (DELETE FROM orleans.orleansmembershiptable WHERE deploymentid = @DeploymentId)
DELETE FROM orleans.orleansmembershipversiontable WHERE deploymentid = @DeploymentId
$q$);
