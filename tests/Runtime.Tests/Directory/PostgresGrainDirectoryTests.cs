using FluentAssertions;
using Npgsql;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Tests.Membership;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Directory;

/// <summary>The grain directory contract against a real PostgreSQL: first writer wins, dead owners are replaced in one statement.</summary>
public sealed class PostgresGrainDirectoryTests(ClusterDatabaseFixture cluster) : IClassFixture<ClusterDatabaseFixture>, IAsyncLifetime
{
    private static readonly GrainId Grain = new("tenant", "acme");
    private static readonly SiloAddress SiloA = new("10.0.0.1:11111", 1);
    private static readonly SiloAddress SiloB = new("10.0.0.2:11111", 1);
    private readonly PostgresGrainDirectory _directory = new(cluster.DataSource);
    private readonly CancellationToken _ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        await cluster.ResetAsync();
        await cluster.AddSiloAsync(SiloA, "active");
        await cluster.AddSiloAsync(SiloB, "active");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_first_registration_wins_and_the_second_caller_gets_the_first_address()
    {
        var first = Address(SiloA);
        var second = Address(SiloB);

        (await _directory.RegisterAsync(first, _ct)).Should().Be(first);
        (await _directory.RegisterAsync(second, _ct)).Should().Be(first);

        (await _directory.LookupAsync(Grain, _ct)).Should().Be(first);
    }

    [Fact]
    public async Task Registering_the_registered_activation_again_returns_it()
    {
        var first = Address(SiloA);
        await _directory.RegisterAsync(first, _ct);

        (await _directory.RegisterAsync(first, _ct)).Should().Be(first);
        (await RowCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Of_30_parallel_registrations_from_different_active_silos_one_address_is_returned_to_all()
    {
        var silos = Enumerable.Range(0, 30).Select(i => new SiloAddress($"10.0.1.{i}:11111", 1)).ToList();
        foreach (var silo in silos)
        {
            await cluster.AddSiloAsync(silo, "active");
        }

        await cluster.WarmUpAsync(30);
        var candidates = silos.Select(Address).ToList();

        var results = await Task.WhenAll(candidates.Select(c => Task.Run(() => _directory.RegisterAsync(c, _ct))));

        var winner = results.Distinct().Should().ContainSingle().Subject;
        candidates.Should().Contain(winner);
        (await RowCountAsync()).Should().Be(1);
        (await _directory.LookupAsync(Grain, _ct)).Should().Be(winner);
    }

    [Theory]
    [InlineData("dead")]
    [InlineData(null)]
    public async Task An_entry_whose_silo_is_dead_or_unknown_is_replaced_by_the_next_registration(string? ownerStatus)
    {
        var owner = new SiloAddress("10.0.0.9:11111", 1);
        if (ownerStatus is not null)
        {
            await cluster.AddSiloAsync(owner, ownerStatus);
        }

        await AddEntryAsync(Address(owner));
        var fresh = Address(SiloB);

        (await _directory.RegisterAsync(fresh, _ct)).Should().Be(fresh);

        (await _directory.LookupAsync(Grain, _ct)).Should().Be(fresh);
        (await RowCountAsync()).Should().Be(1);
        (await _directory.RegisterAsync(Address(SiloA), _ct)).Should().Be(fresh, "the replacement's silo is active");
    }

    [Fact]
    public async Task An_entry_whose_silo_died_after_registering_is_replaced()
    {
        var first = Address(SiloA);
        await _directory.RegisterAsync(first, _ct);
        await cluster.ExecuteAsync(
            "UPDATE cluster.silos SET status = 'dead' WHERE endpoint = @e AND generation = @g", ("e", SiloA.Endpoint), ("g", SiloA.Generation));
        var second = Address(SiloB);

        (await _directory.RegisterAsync(second, _ct)).Should().Be(second);
        (await _directory.LookupAsync(Grain, _ct)).Should().Be(second);
    }

    [Fact]
    public async Task The_owner_is_judged_by_its_status_when_the_entry_is_locked_not_when_the_statement_began()
    {
        // The owner turns active while our registration waits for the entry's row lock; a decision made on the
        // statement's snapshot (taken before) would see it joining and replace a live activation.
        var owner = new SiloAddress("10.0.0.9:11111", 1);
        await cluster.AddSiloAsync(owner, "joining");
        var existing = Address(owner);
        await AddEntryAsync(existing);
        await using var blocker = await cluster.DataSource.OpenConnectionAsync(_ct);
        await using var transaction = await blocker.BeginTransactionAsync(_ct);
        await using (var lockEntry = new NpgsqlCommand("SELECT 1 FROM cluster.grain_directory WHERE grain_id = @g FOR UPDATE", blocker, transaction))
        {
            lockEntry.Parameters.AddWithValue("g", Grain.ToString());
            await lockEntry.ExecuteNonQueryAsync(_ct);
        }

        var blockerPid = blocker.ProcessID;
        var registration = Task.Run(() => _directory.RegisterAsync(Address(SiloB), _ct));
        await WaitUntilBlockedByAsync(blockerPid, registration);
        await cluster.ExecuteAsync(
            "UPDATE cluster.silos SET status = 'active' WHERE endpoint = @e AND generation = @g", ("e", owner.Endpoint), ("g", owner.Generation));
        await transaction.RollbackAsync(_ct);

        (await registration).Should().Be(existing);
        (await _directory.LookupAsync(Grain, _ct)).Should().Be(existing);
    }

    [Theory]
    [InlineData("shutting_down")]
    [InlineData("dead")]
    [InlineData(null)]
    public async Task A_silo_that_is_not_active_cannot_register_nor_replace_an_entry(string? status)
    {
        var registering = new SiloAddress("10.0.0.9:11111", 1);
        if (status is not null)
        {
            await cluster.AddSiloAsync(registering, status);
        }

        var dead = new SiloAddress("10.0.0.8:11111", 1);
        await cluster.AddSiloAsync(dead, "dead");
        var other = new GrainId("tenant", "other");
        await AddEntryAsync(Address(dead, other));

        await _directory.Invoking(d => d.RegisterAsync(Address(registering), _ct)).Should().ThrowAsync<SiloUnavailableException>();
        await _directory.Invoking(d => d.RegisterAsync(Address(registering, other), _ct)).Should().ThrowAsync<SiloUnavailableException>();

        (await _directory.LookupAsync(Grain, _ct)).Should().BeNull();
        (await _directory.LookupAsync(other, _ct))!.Silo.Should().Be(dead, "the dead silo's entry is replaced only by an active silo");
    }

    [Fact]
    public async Task Unregister_with_another_activation_id_removes_nothing()
    {
        var registered = Address(SiloA);
        await _directory.RegisterAsync(registered, _ct);

        (await _directory.UnregisterAsync(registered with { ActivationId = Guid.NewGuid() }, _ct)).Should().BeFalse();

        (await _directory.LookupAsync(Grain, _ct)).Should().Be(registered);
    }

    [Fact]
    public async Task Unregister_with_its_own_activation_id_removes_the_entry()
    {
        var registered = Address(SiloA);
        await _directory.RegisterAsync(registered, _ct);

        (await _directory.UnregisterAsync(registered, _ct)).Should().BeTrue();

        (await _directory.LookupAsync(Grain, _ct)).Should().BeNull();
        (await _directory.UnregisterAsync(registered, _ct)).Should().BeFalse("it is already gone");
        var next = Address(SiloB);
        (await _directory.RegisterAsync(next, _ct)).Should().Be(next);
    }

    [Fact]
    public async Task UnregisterSilo_removes_only_that_silos_entries()
    {
        var sameEndpointNextGeneration = new SiloAddress(SiloA.Endpoint, 2);
        await cluster.AddSiloAsync(sameEndpointNextGeneration, "active");
        var onA = Enumerable.Range(0, 3).Select(i => Address(SiloA, new GrainId("tenant", $"a-{i}"))).ToList();
        var onB = Address(SiloB, new GrainId("tenant", "b"));
        var onNextGeneration = Address(sameEndpointNextGeneration, new GrainId("tenant", "a-next"));
        foreach (var address in onA.Append(onB).Append(onNextGeneration))
        {
            (await _directory.RegisterAsync(address, _ct)).Should().Be(address);
        }

        (await _directory.UnregisterSiloAsync(SiloA, _ct)).Should().Be(3);

        foreach (var address in onA)
        {
            (await _directory.LookupAsync(address.GrainId, _ct)).Should().BeNull();
        }

        (await _directory.LookupAsync(onB.GrainId, _ct)).Should().Be(onB);
        (await _directory.LookupAsync(onNextGeneration.GrainId, _ct)).Should().Be(onNextGeneration);
        (await _directory.UnregisterSiloAsync(SiloA, _ct)).Should().Be(0);
    }

    [Fact]
    public async Task Lookup_of_a_grain_that_is_not_registered_returns_null()
    {
        (await _directory.LookupAsync(new GrainId("tenant", "nobody"), _ct)).Should().BeNull();
    }

    [Fact]
    public async Task Grains_of_different_types_with_one_key_are_different_entries()
    {
        var tenant = Address(SiloA, new GrainId("tenant", "same"));
        var other = Address(SiloB, new GrainId("other", "same"));

        (await _directory.RegisterAsync(tenant, _ct)).Should().Be(tenant);
        (await _directory.RegisterAsync(other, _ct)).Should().Be(other);
    }

    // Polls the server until some backend waits on the blocker's lock: a condition, not a guessed delay.
    private async Task WaitUntilBlockedByAsync(int blockerPid, Task registration)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE @pid = ANY (pg_blocking_pids(pid))", ("pid", blockerPid)) == 0)
        {
            registration.IsCompleted.Should().BeFalse("the registration must wait for the locked entry");
            DateTime.UtcNow.Should().BeBefore(deadline, "the registration should have blocked on the entry's lock");
        }
    }

    // An entry as an earlier registration left it, whatever its silo's status is now.
    private async Task AddEntryAsync(GrainAddress address) =>
        (await cluster.ExecuteAsync(
            "INSERT INTO cluster.grain_directory (grain_id, silo_endpoint, silo_generation, activation_id) VALUES (@g, @e, @n, @a)",
            ("g", address.GrainId.ToString()), ("e", address.Silo.Endpoint), ("n", address.Silo.Generation), ("a", address.ActivationId)))
        .Should().Be(1);

    private static GrainAddress Address(SiloAddress silo) => Address(silo, Grain);

    private static GrainAddress Address(SiloAddress silo, GrainId grain) => new(grain, silo, Guid.NewGuid());

    private Task<long> RowCountAsync() => cluster.ScalarAsync<long>("SELECT count(*) FROM cluster.grain_directory");
}
