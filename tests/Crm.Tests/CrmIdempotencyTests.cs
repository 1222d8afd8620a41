using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Idempotency-Key on create: a retry replays, a different body with the same key is refused, keys are per tenant.</summary>
public sealed class CrmIdempotencyTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    [Fact]
    public async Task The_same_key_and_body_twice_creates_one_row_and_replays_the_first_response()
    {
        var tenant = CrmDatabase.NewTenant();
        var key = Guid.NewGuid().ToString();

        var first = await database.CreateAsync(tenant, "accounts", """{"name":"Acme","industry":"Retail"}""", key);
        await database.PatchAsync(tenant, "accounts", first.Id, new { industry = "Changed later" });
        // The same canonical body: other property order, other whitespace.
        var second = await database.CreateAsync(tenant, "accounts", """{ "industry": "Retail",  "name": "Acme" }""", key);

        first.Replayed.Should().BeFalse();
        second.Replayed.Should().BeTrue();
        second.Id.Should().Be(first.Id);
        second.Row.GetRawText().Should().Be(first.Row.GetRawText());
        Ids(await database.ListAsync(tenant, "accounts")).Should().Equal(first.Id);
    }

    [Fact]
    public async Task Purged_keys_older_than_the_retention_are_forgotten_and_newer_ones_kept()
    {
        var tenant = CrmDatabase.NewTenant();
        var neighbour = CrmDatabase.NewTenant();
        var old = await database.CreateAsync(tenant, "accounts", new { name = "Old" }, "old-key");
        var recent = await database.CreateAsync(tenant, "accounts", new { name = "Recent" }, "recent-key");
        var neighbours = await database.CreateAsync(neighbour, "accounts", new { name = "Old" }, "old-key");
        foreach (var owner in new[] { tenant, neighbour })
        {
            await database.InTenantAsync(owner, async connection =>
            {
                await using var age = new Npgsql.NpgsqlCommand(
                    "UPDATE crm.idempotency_keys SET created_at = now() - interval '2 days' WHERE tenant_id = $1 AND idempotency_key = 'old-key'", connection);
                age.Parameters.AddWithValue(owner);
                return await age.ExecuteNonQueryAsync();
            });
        }

        var purged = await database.InTenantAsync(tenant, connection =>
            CrmRepository.PurgeIdempotencyKeysAsync(connection, tenant, TimeSpan.FromDays(1), limit: 100, CancellationToken.None));

        purged.Should().Be(1);
        (await database.CreateAsync(tenant, "accounts", new { name = "Old" }, "old-key")).Id.Should().NotBe(old.Id, "a forgotten key creates anew");
        (await database.CreateAsync(tenant, "accounts", new { name = "Recent" }, "recent-key")).Replayed.Should().BeTrue();
        (await database.CreateAsync(neighbour, "accounts", new { name = "Old" }, "old-key")).Id.Should().Be(neighbours.Id, "another tenant's keys are not touched");
    }

    [Fact]
    public async Task Equal_numbers_written_differently_are_the_same_body()
    {
        var tenant = CrmDatabase.NewTenant();
        var key = Guid.NewGuid().ToString();

        var first = await database.CreateAsync(tenant, "opportunities", """{"name":"Deal","amount":10.5}""", key);
        var second = await database.CreateAsync(tenant, "opportunities", """{"name":"Deal","amount":10.50}""", key);

        second.Replayed.Should().BeTrue();
        second.Id.Should().Be(first.Id);
    }

    [Fact]
    public async Task The_same_key_with_another_body_or_resource_is_a_conflict_and_writes_nothing()
    {
        var tenant = CrmDatabase.NewTenant();
        var key = Guid.NewGuid().ToString();
        var first = await database.CreateAsync(tenant, "accounts", new { name = "Acme" }, key);
        var before = await database.CountAllAsync();

        var otherBody = () => database.CreateAsync(tenant, "accounts", new { name = "Acme Corp" }, key);
        var otherResource = () => database.CreateAsync(tenant, "leads", new { lastName = "Acme" }, key);

        (await otherBody.Should().ThrowAsync<CrmIdempotencyConflictException>()).Which.Resource.Should().Be("accounts");
        await otherResource.Should().ThrowAsync<CrmIdempotencyConflictException>();
        (await database.CountAllAsync()).Should().Equal(before);
        Ids(await database.ListAsync(tenant, "accounts")).Should().Equal(first.Id);
    }

    [Fact]
    public async Task Keys_are_per_tenant()
    {
        var a = CrmDatabase.NewTenant();
        var b = CrmDatabase.NewTenant();
        var key = "shared-key-" + Guid.NewGuid();

        var inA = await database.CreateAsync(a, "accounts", new { name = "Acme" }, key);
        var inB = await database.CreateAsync(b, "accounts", new { name = "Other body" }, key);
        var againInB = await database.CreateAsync(b, "accounts", new { name = "Other body" }, key);

        inB.Replayed.Should().BeFalse();
        inB.Id.Should().NotBe(inA.Id);
        againInB.Replayed.Should().BeTrue();
        againInB.Id.Should().Be(inB.Id);
        Ids(await database.ListAsync(a, "accounts")).Should().Equal(inA.Id);
        Ids(await database.ListAsync(b, "accounts")).Should().Equal(inB.Id);
    }

    [Fact]
    public async Task A_failed_create_leaves_the_key_unused()
    {
        var tenant = CrmDatabase.NewTenant();
        var key = Guid.NewGuid().ToString();
        await database.CreateAsync(tenant, "invoices", new { number = "7" });

        var clash = () => database.CreateAsync(tenant, "invoices", new { number = "7" }, key);
        await clash.Should().ThrowAsync<CrmConflictException>();

        var retry = await database.CreateAsync(tenant, "invoices", new { number = "8" }, key);
        retry.Replayed.Should().BeFalse();
    }

    [Fact]
    public async Task A_concurrent_retry_waits_for_the_first_request_and_replays_it()
    {
        var tenant = CrmDatabase.NewTenant();
        var key = Guid.NewGuid().ToString();
        var accounts = CrmResources.Get("accounts");
        var body = CrmDatabase.ToElement(new { name = "Acme" });

        await using var first = await database.App.OpenConnectionAsync();
        await using var transaction = await first.BeginTransactionAsync();
        await using (var set = new Npgsql.NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true)", first))
        {
            set.Parameters.AddWithValue(tenant);
            await set.ExecuteNonQueryAsync();
        }

        var created = await CrmRepository.CreateAsync(first, accounts, tenant, body, key, CancellationToken.None);
        var retry = database.InTenantAsync(tenant, connection => CrmRepository.CreateAsync(connection, accounts, tenant, body, key, CancellationToken.None));
        await transaction.CommitAsync();
        var replay = await retry;

        replay.Replayed.Should().BeTrue();
        replay.Id.Should().Be(created.Id);
        Ids(await database.ListAsync(tenant, "accounts")).Should().Equal(created.Id);
    }

    private static List<Guid> Ids(System.Text.Json.JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
}
