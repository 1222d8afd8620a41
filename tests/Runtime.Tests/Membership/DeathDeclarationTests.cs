using FluentAssertions;
using OrleansTenants.Runtime.Membership;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Membership;

/// <summary>Declaring a silo dead is a compare-and-swap that also requires its heartbeat to be stale by the database clock.</summary>
public sealed class DeathDeclarationTests(ClusterDatabaseFixture cluster) : IClassFixture<ClusterDatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(10);
    private static readonly SiloAddress Silo = new("10.0.0.1:11111", 1);
    private readonly PostgresMembershipTable _table = new(cluster.DataSource);
    private readonly CancellationToken _ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        await cluster.ResetAsync();
        var entry = new MembershipEntry(Silo, SiloStatus.Active, "silo", null, DateTimeOffset.UtcNow, default, default, 0);
        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_silo_whose_heartbeat_is_older_than_the_death_timeout_is_declared_dead_once()
    {
        await cluster.SetHeartbeatAgoAsync(Silo, "1 hour");
        var snapshot = await _table.ReadAllAsync(_ct);

        (await _table.DeclareDeadAsync(snapshot.Entries.Single(), snapshot.Version, DeathTimeout, _ct)).Should().BeTrue();

        var after = await _table.ReadAllAsync(_ct);
        after.Version.Should().Be(snapshot.Version + 1);
        after.Entries.Single().Should().Match<MembershipEntry>(e => e.Status == SiloStatus.Dead && e.ETag == 1);
        (await _table.DeclareDeadAsync(after.Entries.Single(), after.Version, DeathTimeout, _ct)).Should().BeFalse("it is dead already");
        (await _table.ReadAllAsync(_ct)).Version.Should().Be(after.Version);
    }

    [Fact]
    public async Task A_declaration_from_a_read_taken_before_the_silo_heart_beat_again_fails_and_changes_nothing()
    {
        await cluster.SetHeartbeatAgoAsync(Silo, "1 hour");
        var stale = await _table.ReadAllAsync(_ct);
        stale.Entries.Single().HeartbeatAge.Should().BeGreaterThan(DeathTimeout);

        (await _table.UpdateHeartbeatAsync(Silo, _ct)).Should().BeTrue();

        (await _table.DeclareDeadAsync(stale.Entries.Single(), stale.Version, DeathTimeout, _ct)).Should().BeFalse("the silo heart-beat since that read");
        var after = await _table.ReadAllAsync(_ct);
        after.Version.Should().Be(stale.Version);
        after.Entries.Single().Should().Match<MembershipEntry>(e => e.Status == SiloStatus.Active && e.ETag == 0);
    }

    [Fact]
    public async Task A_declaration_with_a_stale_version_or_etag_fails()
    {
        await cluster.SetHeartbeatAgoAsync(Silo, "1 hour");
        var snapshot = await _table.ReadAllAsync(_ct);
        var entry = snapshot.Entries.Single();

        (await _table.DeclareDeadAsync(entry, snapshot.Version + 1, DeathTimeout, _ct)).Should().BeFalse("the version is stale");
        (await _table.DeclareDeadAsync(entry with { ETag = 7 }, snapshot.Version, DeathTimeout, _ct)).Should().BeFalse("the etag is stale");

        (await _table.ReadAllAsync(_ct)).Entries.Single().Status.Should().Be(SiloStatus.Active);
    }

    [Fact]
    public async Task A_dead_silo_s_heartbeat_changes_nothing_and_reports_it()
    {
        await cluster.SetHeartbeatAgoAsync(Silo, "1 hour");
        var snapshot = await _table.ReadAllAsync(_ct);
        (await _table.DeclareDeadAsync(snapshot.Entries.Single(), snapshot.Version, DeathTimeout, _ct)).Should().BeTrue();

        (await _table.UpdateHeartbeatAsync(Silo, _ct)).Should().BeFalse();
        (await _table.UpdateHeartbeatAsync(new SiloAddress("10.0.0.2:11111", 1), _ct)).Should().BeFalse("there is no such silo");

        (await _table.ReadAllAsync(_ct)).Entries.Single().HeartbeatAge.Should().BeGreaterThan(TimeSpan.FromMinutes(59));
    }
}
