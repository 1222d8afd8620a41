-- Cluster, step 4: grain state that must outlive a silo (tenant move jobs), through Orleans' ADO.NET grain
-- storage provider. Same conventions as step 3: query texts in orleans.orleansquery, written to the provider's
-- contract. The state's version is its ETag: a write names the version it read, and the provider turns an
-- answer that is not a newer version into InconsistentStateException.
CREATE TABLE orleans.orleansstorage (
    serviceid varchar(150) NOT NULL,
    graintypestring varchar(512) NOT NULL,
    -- A grain's key: a GUID as two halves, an integer in grainidn1, a string in grainidextensionstring.
    grainidn0 bigint NOT NULL,
    grainidn1 bigint NOT NULL,
    grainidextensionstring varchar(512),
    payloadbinary bytea,
    modifiedon timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL CHECK (version > 0),
    -- One state per grain, also when two writers race to create it.
    CONSTRAINT orleansstorage_grain UNIQUE NULLS NOT DISTINCT (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring)
);

INSERT INTO orleans.orleansquery (querykey, querytext) VALUES
-- Exactly one row: the new version, or the version the writer gave (or null) when someone else wrote first.
('WriteToStorageKey', $q$
WITH replaced AS (
    UPDATE orleans.orleansstorage
    SET payloadbinary = @PayloadBinary, modifiedon = now(), version = version + 1
    WHERE @GrainStateVersion::integer IS NOT NULL
      AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
      AND version = @GrainStateVersion::integer
    RETURNING version),
created AS (
    INSERT INTO orleans.orleansstorage (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring, payloadbinary, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString::varchar, @PayloadBinary, 1
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT ON CONSTRAINT orleansstorage_grain DO NOTHING
    RETURNING version)
SELECT coalesce((SELECT version FROM replaced), (SELECT version FROM created), @GrainStateVersion::integer) AS newgrainstateversion
$q$),

('ReadFromStorageKey', $q$
SELECT payloadbinary, modifiedon, version
FROM orleans.orleansstorage
WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
  AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
$q$),

-- Clearing keeps the row (and so the version sequence) with no state in it.
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans.orleansstorage
    SET payloadbinary = NULL, modifiedon = now(), version = version + 1
    WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
      AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT coalesce((SELECT version FROM cleared), @GrainStateVersion::integer) AS newgrainstateversion
$q$),

-- With DeleteStateOnClear: the provider expects the deleted row's version + 1.
('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans.orleansstorage
    WHERE serviceid = @ServiceId AND graintypestring = @GrainTypeString
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
      AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT coalesce((SELECT version + 1 FROM deleted), @GrainStateVersion::integer) AS newgrainstateversion
$q$);
