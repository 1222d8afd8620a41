-- Cluster, step 5: Orleans reminders (Microsoft.Orleans.Reminders.AdoNet), which wake a grain on whatever silo
-- is alive: a tenant move job whose silo died is picked up again by its reminder. Same conventions as step 3.
CREATE TABLE orleans.orleansreminderstable (
    serviceid varchar(150) NOT NULL,
    grainid varchar(150) NOT NULL,
    remindername varchar(150) NOT NULL,
    starttime timestamptz NOT NULL,
    -- Milliseconds.
    period bigint NOT NULL CHECK (period >= 0),
    -- The grain's uniform hash as a signed integer: each silo reads the reminders of its range of the ring.
    grainhash integer NOT NULL,
    version integer NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX orleansreminderstable_range ON orleans.orleansreminderstable (serviceid, grainhash);

INSERT INTO orleans.orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', $q$
INSERT INTO orleans.orleansreminderstable AS r (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername)
DO UPDATE SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash, version = r.version + 1
RETURNING r.version
$q$),

('ReadReminderRowsKey', $q$
SELECT grainid, remindername, starttime, period, version
FROM orleans.orleansreminderstable
WHERE serviceid = @ServiceId AND grainid = @GrainId
$q$),

('ReadReminderRowKey', $q$
SELECT grainid, remindername, starttime, period, version
FROM orleans.orleansreminderstable
WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
$q$),

-- A range of the hash ring that does not wrap around ...
('ReadRangeRows1Key', $q$
SELECT grainid, remindername, starttime, period, version
FROM orleans.orleansreminderstable
WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash
$q$),

-- ... and one that does.
('ReadRangeRows2Key', $q$
SELECT grainid, remindername, starttime, period, version
FROM orleans.orleansreminderstable
WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash)
$q$),

('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans.orleansreminderstable
    WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
    RETURNING 1)
SELECT count(*)::integer FROM deleted
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans.orleansreminderstable WHERE serviceid = @ServiceId
$q$);
