using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// Online moves through faults: a job whose silo is killed in any phase (preparing, copying, catching up, cutting over,
/// cleaning up) goes on from its recorded phase on a live silo; a copy that makes no progress, and a target that stops
/// taking connections mid-move, fail the move with the tenant serving where it was. On every path nothing of the
/// replication is left once the job is done.
/// </summary>
public sealed partial class OnlineMoveFaultTests(OnlineMoveFaultCluster fixture) : IClassFixture<OnlineMoveFaultCluster>
{
    // A job whose silo died is woken by its reminder, which ticks once a minute.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private ApiCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_move_whose_job_silo_is_killed_while_preparing_goes_on_from_there_on_a_live_silo()
    {
        await using var doomed = Cluster.StartSiloProcess("job-host");
        await Cluster.WaitUntilActiveAsync("job-host", doomed);
        using var viaDoomed = ApiCluster.NewClient(await SiloUrlAsync("job-host"), ApiCluster.AdminKey);
        var tenant = $"killed-{Guid.NewGuid():N}"[..20];
        var key = await Cluster.CreateTenantAsync(tenant, new { mode = "single" });
        using var http = Cluster.TenantClient(key);
        var before = await FaultHttp.CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await Cluster.RegisterSharedDatabaseAsync("killed");
        string location;
        Guid during;
        await using (var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes", "SHARE"))
        {
            // The job lives where the move was asked for: on the silo about to die, held while it prepares the target.
            using var started = await viaDoomed.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
            started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            location = started.Headers.Location!.ToString();
            await held.WaitForWaiterAsync(Patience);

            doomed.Signal(Signals.SigKill);
            // The tenant's grain may have lived there too: a write answered 503 is repeated with its key, as the contract says.
            during = await WriteUntilAcknowledgedAsync(http, tenant, new { body = "written after the job's silo died" });
        }

        var move = await FollowAsync(location);

        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        (await FaultHttp.GetJsonAsync(Cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be(target.Name);
        (await NoteIdsAsync(http, tenant)).Should().BeEquivalentTo([before, during]);
        await ShouldLeaveNoReplicationAsync(move);
        await Cluster.Server.DropDatabaseAsync(target.Name);
    }

    /// <summary>
    /// The move is held in its copy by pausing its subscription (the target stops copying and applying), and its job's
    /// silo is killed there. The job goes on on a live silo; once the subscription runs again the move completes.
    /// </summary>
    [Fact]
    public async Task A_move_whose_job_silo_is_killed_while_copying_goes_on_from_there_on_a_live_silo()
    {
        await using var run = await StartMoveOnDoomedSiloAsync("job-copying", "copying");
        var (doomed, http, tenant, before, _, target, location) = run;
        var subscription = await SubscriptionOfAsync(location);

        await PhaseAsync(location, "copying");
        await SuperuserAsync($"ALTER SUBSCRIPTION \"{subscription}\" DISABLE", target.Name);
        // Its table copies run on slots of their own (pg_<subscription oid>_sync_...), cut short here: they must go too.
        var tableCopySlots = $"pg_{await SuperuserScalarAsync($"SELECT oid FROM pg_subscription WHERE subname = '{subscription}'", target.Name)}_sync_%";
        await PhaseAsync(location, "copying");
        doomed.Signal(Signals.SigKill);
        var during = await WriteUntilAcknowledgedAsync(http, tenant, new { body = "written after the job's silo died" });
        (await Cluster.Admin.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString().Should().Be("running", "the paused replication holds it");
        await SuperuserAsync($"ALTER SUBSCRIPTION \"{subscription}\" ENABLE", target.Name);

        var move = await FollowAsync(location);

        move.GetProperty("status").GetString().Should().Be("completed", move.ToString());
        (await FaultHttp.GetJsonAsync(Cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be(target.Name);
        (await NoteIdsAsync(http, tenant)).Should().BeEquivalentTo([before, during]);
        await ShouldLeaveNoReplicationAsync(move);
        (await SuperuserScalarAsync($"SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{tableCopySlots}'")).Should().Be(0);
        await Cluster.Server.DropDatabaseAsync(target.Name);
    }

    /// <summary>
    /// The cut-over waits for the tenant's writes in flight before it pauses the rest: a write the test holds on a lock
    /// of the source holds the move in its cut-over, and the job's silo is killed there. Whether the cut-over then ends
    /// on the grain's silo or is run again by the job on a live silo, the move completes, with every acknowledged write.
    /// </summary>
    [Fact]
    public async Task A_move_whose_job_silo_is_killed_while_cutting_over_completes_with_every_acknowledged_write()
    {
        await using var run = await StartMoveOnDoomedSiloAsync("job-cutting-over", "cutover");
        var (doomed, http, tenant, _, _, _, location) = run;

        await PhaseAsync(location, "copying");
        await using (var cutOver = await HoldCutOverAsync(run))
        {
            doomed.Signal(Signals.SigKill);
            (await PhaseAsync(location, "cutting-over")).GetProperty("status").GetString().Should().Be("running", "the held write holds the cut-over");
            await cutOver.Lock.ReleaseAsync();
            await AcknowledgedAsync(cutOver.Write, () => PatchHeldAccountAsync(run));
        }

        var during = await WriteUntilAcknowledgedAsync(http, tenant, new { body = "written after the job's silo died" });

        await ShouldCompleteWithEveryWriteAsync(run, during);
    }

    /// <summary>
    /// Catching up is held by the lag: with the cut-over held (as in the cut-over test), the target stops applying and
    /// the source writes 9 MB of WAL (past the 8 MB a cut-over may start from). The cut-over, let go, finds the target
    /// not caught up and gives way to catching up, where the job's silo is killed; once the target applies again the job,
    /// resumed on a live silo, cuts over.
    /// </summary>
    [Fact]
    public async Task A_move_whose_job_silo_is_killed_while_catching_up_cuts_over_from_a_live_silo()
    {
        await using var run = await StartMoveOnDoomedSiloAsync("job-catching-up", "catchup");
        var (doomed, http, tenant, _, _, target, location) = run;
        var subscription = await SubscriptionOfAsync(location);

        await PhaseAsync(location, "copying");
        await using (var cutOver = await HoldCutOverAsync(run))
        {
            await SuperuserAsync($"ALTER SUBSCRIPTION \"{subscription}\" DISABLE", target.Name);
            await SuperuserAsync("SELECT pg_logical_emit_message(false, 'orleans-tenants-test', repeat('x', 9 * 1024 * 1024))", Cluster.CatalogDatabase);
            await cutOver.Lock.ReleaseAsync();
            await AcknowledgedAsync(cutOver.Write, () => PatchHeldAccountAsync(run));
        }

        await FaultHttp.EventuallyAsync(
            () => Cluster.Admin.GetFromJsonAsync<JsonElement>(location),
            m => m.GetProperty("phase").GetString() == "catching-up" && m.GetProperty("lagBytes") is { ValueKind: JsonValueKind.Number } lag && lag.GetInt64() > 8 * 1024 * 1024,
            Patience,
            "the move catching up, more than 8 MB behind");
        doomed.Signal(Signals.SigKill);
        var during = await WriteUntilAcknowledgedAsync(http, tenant, new { body = "written after the job's silo died" });
        (await PhaseAsync(location, "catching-up")).GetProperty("status").GetString().Should().Be("running", "the lag holds it");
        await SuperuserAsync($"ALTER SUBSCRIPTION \"{subscription}\" ENABLE", target.Name);

        await ShouldCompleteWithEveryWriteAsync(run, during);
    }

    /// <summary>
    /// As the cut-over test, and with a lock on the source's notes too: the cut-over completes, then the cleanup waits
    /// on the lock (it drops the publication and deletes the source's rows), and the job's silo is killed there. The
    /// job, resumed on a live silo, finishes the cleanup: nothing of the replication and none of the tenant's rows are
    /// left on the source.
    /// </summary>
    [Fact]
    public async Task A_move_whose_job_silo_is_killed_while_cleaning_up_is_cleaned_up_on_a_live_silo()
    {
        await using var run = await StartMoveOnDoomedSiloAsync("job-cleaning-up", "cleanup");
        var (doomed, http, tenant, _, _, _, location) = run;

        await PhaseAsync(location, "copying");
        await using (var notes = await HeldTableLock.TakeAsync(Cluster.CatalogConnectionString, "crm.notes", "SHARE"))
        {
            await using (var cutOver = await HoldCutOverAsync(run))
            {
                await cutOver.Lock.ReleaseAsync();
                await AcknowledgedAsync(cutOver.Write, () => PatchHeldAccountAsync(run));
            }

            (await PhaseAsync(location, "cleaning-up")).GetProperty("status").GetString().Should().Be("completed");
            doomed.Signal(Signals.SigKill);
            (await PhaseAsync(location, "cleaning-up")).GetProperty("status").GetString().Should().Be("completed", "the lock holds the cleanup");
            await notes.ReleaseAsync();
        }

        var during = await WriteUntilAcknowledgedAsync(http, tenant, new { body = "written after the job's silo died" });

        await ShouldCompleteWithEveryWriteAsync(run, during);
        (await SuperuserScalarAsync($"SELECT (SELECT count(*) FROM crm.notes WHERE tenant_id = '{tenant}') + (SELECT count(*) FROM crm.accounts WHERE tenant_id = '{tenant}')", Cluster.CatalogDatabase))
            .Should().Be(0, "the source keeps none of the tenant's rows");
    }

    [Fact]
    public async Task An_initial_copy_that_makes_no_progress_fails_the_move_and_drops_its_replication()
    {
        var tenant = $"stalled-{Guid.NewGuid():N}"[..20];
        var key = await Cluster.CreateTenantAsync(tenant, new { mode = "single" });
        using var http = Cluster.TenantClient(key);
        var before = await FaultHttp.CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await Cluster.RegisterSharedDatabaseAsync("stalled");
        using var started = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        var location = started.Headers.Location!.ToString();
        var subscription = await SubscriptionOfAsync(location);
        await PhaseAsync(location, "copying");
        // The copy stops for good (as with a target whose replication workers are all taken).
        await SuperuserAsync($"ALTER SUBSCRIPTION \"{subscription}\" DISABLE", target.Name);
        var tableCopySlots = $"pg_{await SuperuserScalarAsync($"SELECT oid FROM pg_subscription WHERE subname = '{subscription}'", target.Name)}_sync_%";

        var move = await FollowAsync(location);

        move.GetProperty("status").GetString().Should().Be("failed", move.ToString());
        move.GetProperty("error").GetString().Should().Contain("copying: the initial copy made no progress for").And.Contain("the tenant stayed where it was");
        (await FaultHttp.GetJsonAsync(Cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be("main");
        (await NoteIdsAsync(http, tenant)).Should().Equal(before);
        await ShouldLeaveNoReplicationAsync(move);
        (await SuperuserScalarAsync($"SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{tableCopySlots}'")).Should().Be(0);
        await Cluster.Server.DropDatabaseAsync(target.Name);
    }

    [Fact]
    public async Task A_target_that_stops_taking_connections_mid_move_fails_it_and_the_tenant_serves_where_it_was()
    {
        var tenant = $"dark-{Guid.NewGuid():N}"[..20];
        var key = await Cluster.CreateTenantAsync(tenant, new { mode = "single" });
        using var http = Cluster.TenantClient(key);
        var before = await FaultHttp.CreateAsync(http, tenant, "notes", new { body = "before the move" });
        var target = await Cluster.RegisterSharedDatabaseAsync("dark");
        string location;
        await using (var held = await HeldTableLock.TakeAsync(target.OwnerConnectionString, "crm.notes", "SHARE"))
        {
            using var started = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "shared", database = target.Name }, mode = "online" });
            started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            location = started.Headers.Location!.ToString();
            await held.WaitForWaiterAsync(Patience);
            // The target goes dark: no new session, and the ones it had are ended (the job's among them).
            await SuperuserAsync($"ALTER DATABASE \"{target.Name}\" ALLOW_CONNECTIONS false");
            await SuperuserAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{target.Name}' AND pid <> pg_backend_pid()");
        }

        var failed = await FaultHttp.EventuallyAsync(
            () => Cluster.Admin.GetFromJsonAsync<JsonElement>(location), m => m.GetProperty("status").GetString() == "failed", Patience, "the move fails");
        failed.GetProperty("error").GetString().Should().Contain("the tenant stayed where it was");
        (await FaultHttp.GetJsonAsync(Cluster.Admin, $"/admin/tenants/{tenant}")).GetProperty("placement").GetProperty("database").GetString().Should().Be("main");
        (await NoteIdsAsync(http, tenant)).Should().Equal(before);
        // The slot on the source goes even while the target is dark: left behind, it would keep WAL forever.
        await FaultHttp.EventuallyAsync(() => SlotsOfAsync(failed), slots => slots == 0, Patience, "the move's slot dropped while the target is dark");

        await SuperuserAsync($"ALTER DATABASE \"{target.Name}\" ALLOW_CONNECTIONS true");
        var move = await FollowAsync(location);
        await ShouldLeaveNoReplicationAsync(move);
        await Cluster.Server.DropDatabaseAsync(target.Name);
    }
}
