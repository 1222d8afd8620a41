using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>
/// Guarantees 1, 3 and 4 while a silo shuts down: a grain that finished deactivating is served elsewhere at once,
/// one still deactivating keeps its entry (no second activation), nothing new activates on the leaving silo, and
/// the activations end even when the cluster database is down, within the host's stop deadline.
/// </summary>
public sealed class ShutdownTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task During_a_shutdown_a_grain_that_finished_deactivating_is_served_elsewhere_at_once()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2, o => o.Placement = PlacementNames.PreferLocal);
        var (leaving, staying) = (cluster.Silos[0], cluster.Silos[1]);
        var held = $"held-{Guid.NewGuid():N}";
        var done = $"done-{Guid.NewGuid():N}";
        await leaving.GrainFactory.GetGrain<ICounterGrain>(held).IncrementAsync();
        await leaving.GrainFactory.GetGrain<ICounterGrain>(done).IncrementAsync();
        var (entered, release) = GrainProbe.HoldDeactivation(held);

        var stopping = leaving.StopAsync();
        await entered.WaitAsync(Wait);
        (await GrainProbe.WhenDeactivated(done).WaitAsync(Wait)).Should().Be(DeactivationReason.SiloShutdown);

        (await staying.GrainFactory.GetGrain<ICounterGrain>(done).IncrementAsync().WaitAsync(Wait)).Should().Be(1, "a new activation on the staying silo");
        stopping.IsCompleted.Should().BeFalse("the leaving silo still deactivates the held grain");
        release();
        await stopping.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_grain_still_deactivating_at_shutdown_keeps_its_entry_and_its_next_call_waits_for_it()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2, o =>
        {
            o.Placement = PlacementNames.PreferLocal;
            o.DeactivationDrainTimeout = TimeSpan.FromMilliseconds(200);
        });
        var (leaving, staying) = (cluster.Silos[0], cluster.Silos[1]);
        var key = $"slow-{Guid.NewGuid():N}";
        await leaving.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        var (entered, release) = GrainProbe.HoldDeactivation(key);
        var stopping = leaving.StopAsync();
        await entered.WaitAsync(Wait);

        var call = staying.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();

        // Several drain timeouts pass; nothing may happen meanwhile, so this waits a fixed time on purpose.
        await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(2)));
        call.IsCompleted.Should().BeFalse("the old activation is still deactivating");
        GrainProbe.Activations(key).Should().Be(1);
        (await LookupAsync(staying, key))!.Silo.Should().Be(leaving.Address);
        release();
        (await call.WaitAsync(Wait)).Should().Be(1);
        await stopping.WaitAsync(Wait);
        GrainProbe.Activations(key).Should().Be(2);
    }

    [Fact]
    public async Task A_call_waiting_for_a_deactivation_when_its_silo_begins_to_stop_is_served_elsewhere()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2, o => o.Placement = PlacementNames.PreferLocal);
        var (leaving, staying) = (cluster.Silos[0], cluster.Silos[1]);
        var key = $"waiting-{Guid.NewGuid():N}";
        await leaving.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        var (entered, release) = GrainProbe.HoldDeactivation(key);
        var deactivation = leaving.Management.DeactivateAsync<ICounterGrain>(key, CancellationToken.None);
        await entered.WaitAsync(Wait);

        // Local, so by the time the call is returned it waits inside the leaving silo for the deactivation to end.
        var call = leaving.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        var stopping = leaving.StopAsync();
        var silo = leaving.Services.GetRequiredService<LocalSilo>();
        await WaitUntilAsync(() => !silo.IsServing);
        release();

        (await call.WaitAsync(Wait)).Should().Be(1, "a new activation");
        (await deactivation.WaitAsync(Wait)).Should().BeTrue();
        await stopping.WaitAsync(Wait);
        leaving.Services.GetRequiredService<ActivationManager>().Count.Should().Be(0);
        (await LookupAsync(staying, key))!.Silo.Should().Be(staying.Address, "the leaving silo activated nothing once it stopped serving");
    }

    [Fact]
    public async Task Shutdown_deactivates_every_activation_even_when_the_cluster_database_is_down()
    {
        await using var postgres = await RestartablePostgres.StartNewAsync();
        await using var cluster = await TestCluster.StartAsync(postgres.GetConnectionString(), 1);
        var silo = cluster.Silos[0];
        var key = $"db-down-{Guid.NewGuid():N}";
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        await postgres.StopAsync();

        using var deadline = new CancellationTokenSource(Wait);
        await silo.StopAsync(deadline.Token);

        GrainProbe.WhenDeactivated(key).IsCompletedSuccessfully.Should().BeTrue();
        (await GrainProbe.WhenDeactivated(key)).Should().Be(DeactivationReason.SiloShutdown);
        deadline.IsCancellationRequested.Should().BeFalse("failed writes end quickly, without waiting for the deadline");
    }

    [Fact]
    public async Task Shutdown_returns_at_the_host_s_deadline_and_a_grain_still_deactivating_keeps_its_entry()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var key = $"past-deadline-{Guid.NewGuid():N}";
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        var (entered, release) = GrainProbe.HoldDeactivation(key);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var stopping = Stopwatch.StartNew();
            await silo.StopAsync(deadline.Token);

            stopping.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
            entered.IsCompleted.Should().BeTrue();
            (await LookupAsync(silo, key))!.Silo.Should().Be(silo.Address);
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            await using var status = dataSource.CreateCommand("SELECT status FROM cluster.silos WHERE endpoint = $1 AND generation = $2");
            status.Parameters.AddWithValue(silo.Address.Endpoint);
            status.Parameters.AddWithValue(silo.Address.Generation);
            (await status.ExecuteScalarAsync()).Should().Be("shutting_down", "peers declare it dead once its heartbeats stop");
        }
        finally
        {
            release();
        }
    }

    private static Task<GrainAddress?> LookupAsync(TestSilo silo, string key) =>
        silo.Services.GetRequiredService<IGrainDirectory>().LookupAsync(new GrainId("counter", key), CancellationToken.None);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
