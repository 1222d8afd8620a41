using System.Globalization;
using FluentAssertions;
using OrleansTenants.Runtime.Membership;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Membership;

/// <summary>The membership contract (after Orleans' MembershipTableTestsBase) against a real PostgreSQL.</summary>
public sealed class PostgresMembershipTableTests(ClusterDatabaseFixture cluster) : IClassFixture<ClusterDatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset StartedAt = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
    private readonly PostgresMembershipTable _table = new(cluster.DataSource);
    private readonly CancellationToken _ct = CancellationToken.None;

    public Task InitializeAsync() => cluster.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Reading_an_empty_table_gives_version_zero_and_no_entries()
    {
        var snapshot = await _table.ReadAllAsync(_ct);

        snapshot.Version.Should().Be(0);
        snapshot.Entries.Should().BeEmpty();
    }

    [Fact]
    public async Task An_inserted_row_reads_back_with_every_field_and_a_database_stamped_heartbeat()
    {
        var entry = Entry("10.0.0.1:11111", status: SiloStatus.Active, publicUrl: "http://10.0.0.1:5000");

        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
        var snapshot = await _table.ReadAllAsync(_ct);
        var databaseNow = await cluster.ScalarAsync<DateTime>("SELECT now()");

        snapshot.Version.Should().Be(1);
        var read = snapshot.Entries.Should().ContainSingle().Subject;
        read.Address.Should().Be(entry.Address);
        read.Status.Should().Be(SiloStatus.Active);
        read.SiloName.Should().Be(entry.SiloName);
        read.PublicUrl.Should().Be("http://10.0.0.1:5000");
        read.StartedAt.Should().Be(StartedAt);
        read.ETag.Should().Be(0);
        read.HeartbeatAt.UtcDateTime.Should().BeCloseTo(databaseNow, TimeSpan.FromSeconds(30));
        read.HeartbeatAge.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero).And.BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Every_status_and_a_missing_public_url_round_trip()
    {
        var statuses = Enum.GetValues<SiloStatus>();
        for (var i = 0; i < statuses.Length; i++)
        {
            (await _table.InsertRowAsync(Entry($"silo-{i}", status: statuses[i], publicUrl: null), i, _ct)).Should().BeTrue();
        }

        var snapshot = await _table.ReadAllAsync(_ct);

        snapshot.Version.Should().Be(statuses.Length);
        snapshot.Entries.Select(e => e.Status).Should().Equal(statuses);
        snapshot.Entries.Should().OnlyContain(e => e.PublicUrl == null);
        (await cluster.ScalarAsync<string>("SELECT string_agg(status, ',' ORDER BY endpoint) FROM cluster.silos"))
            .Should().Be("active,shutting_down,dead");
    }

    [Fact]
    public async Task Insert_with_a_stale_version_fails_and_changes_nothing()
    {
        (await _table.InsertRowAsync(Entry("a"), 0, _ct)).Should().BeTrue();

        (await _table.InsertRowAsync(Entry("b"), 0, _ct)).Should().BeFalse();
        (await _table.InsertRowAsync(Entry("b"), 7, _ct)).Should().BeFalse();

        var snapshot = await _table.ReadAllAsync(_ct);
        snapshot.Version.Should().Be(1);
        snapshot.Entries.Select(e => e.Address.Endpoint).Should().Equal("a");
    }

    [Fact]
    public async Task Insert_of_an_existing_address_fails_without_moving_the_version()
    {
        (await _table.InsertRowAsync(Entry("a"), 0, _ct)).Should().BeTrue();

        (await _table.InsertRowAsync(Entry("a", status: SiloStatus.ShuttingDown), 1, _ct)).Should().BeFalse();
        (await _table.InsertRowAsync(Entry("a", generation: 2), 1, _ct)).Should().BeTrue("another generation is another member");

        var snapshot = await _table.ReadAllAsync(_ct);
        snapshot.Version.Should().Be(2);
        snapshot.Entries.Select(e => (e.Address.Generation, e.Status)).Should().Equal((1L, SiloStatus.Active), (2L, SiloStatus.Active));
    }

    [Fact]
    public async Task Of_20_parallel_inserts_with_the_same_expected_version_exactly_one_wins()
    {
        await cluster.WarmUpAsync(20);
        var entries = Enumerable.Range(0, 20).Select(i => Entry($"racer-{i:D2}")).ToList();

        var results = await Task.WhenAll(entries.Select(e => Task.Run(() => _table.InsertRowAsync(e, 0, _ct))));

        results.Count(r => r).Should().Be(1);
        var snapshot = await _table.ReadAllAsync(_ct);
        snapshot.Version.Should().Be(1);
        snapshot.Entries.Should().ContainSingle().Which.Address.Should().Be(entries[Array.IndexOf(results, true)].Address);
    }

    [Fact]
    public async Task Of_20_parallel_updates_of_one_row_with_the_same_etag_and_version_exactly_one_wins()
    {
        var entry = Entry("a");
        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
        await cluster.WarmUpAsync(20);
        var updates = Enumerable.Range(0, 20).Select(i => entry with { Status = SiloStatus.ShuttingDown, PublicUrl = $"http://winner-{i}" }).ToList();

        var results = await Task.WhenAll(updates.Select(u => Task.Run(() => _table.UpdateRowAsync(u, 0, 1, _ct))));

        results.Count(r => r).Should().Be(1);
        var snapshot = await _table.ReadAllAsync(_ct);
        snapshot.Version.Should().Be(2);
        var row = snapshot.Entries.Should().ContainSingle().Subject;
        row.ETag.Should().Be(1);
        row.Status.Should().Be(SiloStatus.ShuttingDown);
        row.PublicUrl.Should().Be(updates[Array.IndexOf(results, true)].PublicUrl);
    }

    [Fact]
    public async Task Update_with_a_stale_etag_or_version_or_of_a_missing_row_fails_and_changes_nothing()
    {
        var entry = Entry("a");
        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
        (await _table.UpdateRowAsync(entry with { Status = SiloStatus.ShuttingDown }, 0, 1, _ct)).Should().BeTrue();

        (await _table.UpdateRowAsync(entry with { Status = SiloStatus.Dead }, 0, 2, _ct)).Should().BeFalse("the etag is stale");
        (await _table.UpdateRowAsync(entry with { Status = SiloStatus.Dead }, 1, 1, _ct)).Should().BeFalse("the version is stale");
        (await _table.UpdateRowAsync(Entry("missing"), 0, 2, _ct)).Should().BeFalse("there is no such row");

        var snapshot = await _table.ReadAllAsync(_ct);
        snapshot.Version.Should().Be(2);
        snapshot.Entries.Should().ContainSingle().Which.Should().Match<MembershipEntry>(e => e.Status == SiloStatus.ShuttingDown && e.ETag == 1);
    }

    [Fact]
    public async Task Concurrent_updaters_that_reread_and_retry_all_apply_and_serialize_on_the_version()
    {
        // Ten workers each add one to a counter kept in the row three times: a lost update would leave it short.
        const int Workers = 10;
        const int ChangesEach = 3;
        var entry = Entry("counter", publicUrl: "0");
        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
        (await _table.InsertRowAsync(Entry("bystander"), 1, _ct)).Should().BeTrue();
        var initialVersion = (await _table.ReadAllAsync(_ct)).Version;
        await cluster.WarmUpAsync(Workers);

        var applied = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            var successes = 0;
            for (var attempt = 0; successes < ChangesEach; attempt++)
            {
                attempt.Should().BeLessThan(10_000, "a retrying writer must get through eventually");
                var snapshot = await _table.ReadAllAsync(_ct);
                var row = snapshot.Entries.Single(e => e.Address == entry.Address);
                var next = (int.Parse(row.PublicUrl!, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
                if (await _table.UpdateRowAsync(row with { PublicUrl = next }, row.ETag, snapshot.Version, _ct))
                {
                    successes++;
                }
            }

            return successes;
        })));

        var final = await _table.ReadAllAsync(_ct);
        applied.Sum().Should().Be(Workers * ChangesEach);
        final.Version.Should().Be(initialVersion + (Workers * ChangesEach));
        var counter = final.Entries.Single(e => e.Address == entry.Address);
        counter.PublicUrl.Should().Be((Workers * ChangesEach).ToString(CultureInfo.InvariantCulture));
        counter.ETag.Should().Be(Workers * ChangesEach);
        final.Entries.Single(e => e.Address.Endpoint == "bystander").ETag.Should().Be(0);
    }

    [Fact]
    public async Task Heartbeat_moves_heartbeat_at_and_not_the_version_or_etag()
    {
        var entry = Entry("a");
        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
        await cluster.SetHeartbeatAgoAsync(entry.Address, "1 hour");
        var before = (await _table.ReadAllAsync(_ct)).Entries.Single();

        await _table.UpdateHeartbeatAsync(entry.Address, _ct);

        var after = await _table.ReadAllAsync(_ct);
        after.Version.Should().Be(1);
        var row = after.Entries.Single();
        row.ETag.Should().Be(before.ETag);
        row.HeartbeatAt.Should().BeAfter(before.HeartbeatAt + TimeSpan.FromMinutes(59));
    }

    [Fact]
    public async Task Heartbeat_age_is_measured_by_the_database_and_grows_until_the_next_heartbeat()
    {
        var entry = Entry("a");
        (await _table.InsertRowAsync(entry, 0, _ct)).Should().BeTrue();
        await _table.UpdateHeartbeatAsync(entry.Address, _ct);
        (await _table.ReadAllAsync(_ct)).Entries.Single().HeartbeatAge.Should().BeLessThan(TimeSpan.FromSeconds(30));

        await cluster.SetHeartbeatAgoAsync(entry.Address, "90 seconds");
        (await _table.ReadAllAsync(_ct)).Entries.Single().HeartbeatAge.Should()
            .BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(90)).And.BeLessThan(TimeSpan.FromSeconds(120));

        await _table.UpdateHeartbeatAsync(entry.Address, _ct);
        (await _table.ReadAllAsync(_ct)).Entries.Single().HeartbeatAge.Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cleanup_deletes_only_dead_rows_older_than_the_age_and_bumps_the_version_when_it_does()
    {
        var version = 0L;
        foreach (var (endpoint, status) in new[]
        {
            ("dead-old", SiloStatus.Dead), ("dead-recent", SiloStatus.Dead),
            ("active-old", SiloStatus.Active), ("leaving-old", SiloStatus.ShuttingDown),
        })
        {
            (await _table.InsertRowAsync(Entry(endpoint, status: status), version++, _ct)).Should().BeTrue();
        }

        foreach (var endpoint in new[] { "dead-old", "active-old", "leaving-old" })
        {
            await cluster.SetHeartbeatAgoAsync(new SiloAddress(endpoint, 1), "2 hours");
        }

        (await _table.CleanupDefunctEntriesAsync(TimeSpan.FromHours(1), _ct)).Should().Be(1);
        var snapshot = await _table.ReadAllAsync(_ct);
        snapshot.Version.Should().Be(version + 1);
        snapshot.Entries.Select(e => e.Address.Endpoint).Should().BeEquivalentTo("dead-recent", "active-old", "leaving-old");

        (await _table.CleanupDefunctEntriesAsync(TimeSpan.FromHours(1), _ct)).Should().Be(0);
        (await _table.ReadAllAsync(_ct)).Version.Should().Be(version + 1, "nothing deleted, nothing changed");
    }

    private static MembershipEntry Entry(string endpoint, long generation = 1, SiloStatus status = SiloStatus.Active, string? publicUrl = "http://localhost:5000") =>
        new(new SiloAddress(endpoint, generation), status, $"silo {endpoint}", publicUrl, StartedAt, default, default, 0);
}
