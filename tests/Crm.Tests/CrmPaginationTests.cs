using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>
/// Keyset pagination over rows with many duplicate and NULL sort values: paging with limit 7 through every
/// sortable field, ascending and descending, yields every row exactly once, in order.
/// </summary>
public sealed class CrmPaginationTests(CrmPaginationFixture data) : IClassFixture<CrmPaginationFixture>
{
    public static TheoryData<string, string> Sorts()
    {
        var data = new TheoryData<string, string>();
        foreach (var resource in CrmPaginationFixture.Resources)
        {
            foreach (var field in CrmResources.Get(resource).SortableFields)
            {
                data.Add(resource, field.Name);
                data.Add(resource, "-" + field.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Every_row_appears_exactly_once_and_in_order(string resource, string sort)
    {
        var pages = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = new Dictionary<string, string?> { ["limit"] = "7", ["sort"] = sort };
            if (cursor is not null)
            {
                query["cursor"] = cursor;
            }

            var page = await data.Database.ListAsync(data.Tenant, resource, query);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            cursor = page.GetProperty("nextCursor").GetString();
            items.Count.Should().BeLessThanOrEqualTo(7);
            if (cursor is not null)
            {
                items.Should().HaveCount(7);
            }

            pages.AddRange(items);
            pages.Count.Should().BeLessThanOrEqualTo(data.Ids[resource].Count, "pagination must end");
        }
        while (cursor is not null);

        var ids = pages.Select(r => r.GetProperty("id").GetGuid()).ToList();
        ids.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(data.Ids[resource]);

        var descending = sort.StartsWith('-');
        var field = descending ? sort[1..] : sort;
        var expected = pages.Order(Comparer<JsonElement>.Create((a, b) => CompareAscending(a, b, field))).ToList();
        if (descending)
        {
            expected.Reverse();
        }

        ids.Should().Equal(expected.Select(r => r.GetProperty("id").GetGuid()));
        ids.Should().Equal(await OracleAsync(resource, field, descending));
    }

    [Fact]
    public async Task The_seed_has_duplicates_and_nulls_in_the_sort_columns()
    {
        var tasks = await data.Database.ListAsync(data.Tenant, "tasks", new Dictionary<string, string?> { ["limit"] = "500" });
        var rows = tasks.GetProperty("items").EnumerateArray().ToList();

        rows.Count(r => r.GetProperty("dueAt").ValueKind == JsonValueKind.Null).Should().BeGreaterThan(10);
        rows.GroupBy(r => r.GetProperty("dueAt").ToString()).Should().Contain(g => g.Count() > 5);
        rows.GroupBy(r => r.GetProperty("createdAt").GetString()).Should().Contain(g => g.Count() > 5);
        rows.GroupBy(r => r.GetProperty("updatedAt").GetString()).Should().Contain(g => g.Count() > 5);
    }

    // Ascending: NULLs last, then the id as tie-breaker (uuid order is the order of its text form).
    private static int CompareAscending(JsonElement a, JsonElement b, string field)
    {
        var x = a.GetProperty(field);
        var y = b.GetProperty(field);
        var byNull = (x.ValueKind == JsonValueKind.Null).CompareTo(y.ValueKind == JsonValueKind.Null);
        if (byNull != 0)
        {
            return byNull;
        }

        var byValue = x.ValueKind switch
        {
            JsonValueKind.Null => 0,
            JsonValueKind.Number => x.GetDecimal().CompareTo(y.GetDecimal()),
            _ => string.CompareOrdinal(x.GetString(), y.GetString()),
        };
        return byValue != 0
            ? byValue
            : string.CompareOrdinal(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    // The same order from one full ORDER BY, without keyset conditions.
    private async Task<List<Guid>> OracleAsync(string resource, string field, bool descending)
    {
        var definition = CrmResources.Get(resource);
        var column = definition[field].Column;
        var order = descending ? "DESC NULLS FIRST, id DESC" : "ASC NULLS LAST, id ASC";
        return await data.Database.InTenantAsync(data.Tenant, async connection =>
        {
            var ids = new List<Guid>();
            await using var command = new NpgsqlCommand($"SELECT id FROM crm.{definition.Table} WHERE tenant_id = $1 ORDER BY {column} {order}", connection);
            command.Parameters.AddWithValue(data.Tenant);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetGuid(0));
            }

            return ids;
        });
    }
}

/// <summary>120 accounts, tasks, opportunities and line items of one tenant (and a few of another), in a few transactions, so that created/updated times, names and dates repeat and some are NULL.</summary>
public sealed class CrmPaginationFixture : IAsyncLifetime
{
    public const int RowCount = 120;

    public static readonly string[] Resources = ["accounts", "tasks", "opportunities", "opportunity-line-items"];

    public CrmDatabase Database { get; } = new();

    public string Tenant { get; } = CrmDatabase.NewTenant();

    public Dictionary<string, List<Guid>> Ids { get; } = [];

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        foreach (var resource in Resources)
        {
            Ids[resource] = [];
        }

        var parent = await Database.CreateAsync(Tenant, "opportunities", new { name = "parent" });
        Ids["opportunities"].Add(parent.Id);
        for (var batch = 0; batch < 4; batch++)
        {
            await Database.InTenantAsync(Tenant, async connection =>
            {
                for (var i = batch * (RowCount / 4); i < (batch + 1) * (RowCount / 4); i++)
                {
                    await CreateAsync(connection, Tenant, "accounts", new { name = $"account-{i % 9}" }, Ids["accounts"]);
                    await CreateAsync(connection, Tenant, "tasks", new { title = $"task-{i % 11}", dueAt = i % 4 == 0 ? null : $"2025-0{1 + (i % 5)}-15T08:00:00Z" }, Ids["tasks"]);
                    await CreateAsync(connection, Tenant, "opportunities", new { name = $"deal-{i % 7}", closeDate = i % 3 == 0 ? null : $"2026-0{1 + (i % 6)}-01" }, Ids["opportunities"]);
                    await CreateAsync(connection, Tenant, "opportunity-line-items", new { opportunityId = parent.Id, productName = "p", sortOrder = (i * 7) % 13 }, Ids["opportunity-line-items"]);
                }

                return 0;
            });
        }

        // Some rows updated together: equal updatedAt values that differ from createdAt.
        await Database.InTenantAsync(Tenant, async connection =>
        {
            foreach (var (resource, column) in new[] { ("accounts", "name"), ("tasks", "title"), ("opportunities", "name") })
            {
                await using var touch = new NpgsqlCommand($"UPDATE crm.{resource} SET {column} = {column} WHERE tenant_id = $1 AND {column} LIKE '%-3'", connection);
                touch.Parameters.AddWithValue(Tenant);
                await touch.ExecuteNonQueryAsync();
            }

            return 0;
        });

        // Another tenant's rows with the same values must never show up.
        var other = CrmDatabase.NewTenant();
        await Database.CreateAsync(other, "accounts", new { name = "account-3" });
        await Database.CreateAsync(other, "tasks", new { title = "task-3" });
        var otherParent = await Database.CreateAsync(other, "opportunities", new { name = "deal-3" });
        await Database.CreateAsync(other, "opportunity-line-items", new { opportunityId = otherParent.Id, productName = "p", sortOrder = 3 });
    }

    public Task DisposeAsync() => Database.DisposeAsync();

    private static async Task CreateAsync(NpgsqlConnection connection, string tenant, string resource, object body, List<Guid> ids)
    {
        var (_, _, id) = await CrmRepository.CreateAsync(connection, CrmResources.Get(resource), tenant, CrmDatabase.ToElement(body), null, CancellationToken.None);
        ids.Add(id);
    }
}
