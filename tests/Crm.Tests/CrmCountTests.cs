using FluentAssertions;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary><c>count=true</c>: the total of the whole filtered list, exact up to the cap, past it the planner's estimate.</summary>
public sealed class CrmCountTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    private const int Cap = 5;

    [Fact]
    public async Task Up_to_the_cap_the_total_is_exact_for_the_filters_and_the_same_on_every_page()
    {
        var tenant = CrmDatabase.NewTenant();
        var other = CrmDatabase.NewTenant();
        for (var i = 0; i < 4; i++)
        {
            await database.CreateAsync(tenant, "accounts", new { name = $"Account {i}", industry = i < 3 ? "Events" : "Retail" });
        }

        await database.CreateAsync(other, "accounts", new { name = "Elsewhere", industry = "Events" });

        var all = await database.ListAsync(tenant, "accounts", Query(("count", "true")), Cap);
        var events = await database.ListAsync(tenant, "accounts", Query(("count", "true"), ("industry", "Events"), ("limit", "2")), Cap);
        var nextPage = await database.ListAsync(
            tenant, "accounts", Query(("count", "true"), ("industry", "Events"), ("limit", "2"), ("cursor", events.GetProperty("nextCursor").GetString())), Cap);
        var uncounted = await database.ListAsync(tenant, "accounts", Query(("count", "false")), Cap);

        all.GetProperty("total").GetInt64().Should().Be(4);
        all.GetProperty("totalIsEstimate").GetBoolean().Should().BeFalse();
        events.GetProperty("total").GetInt64().Should().Be(3);
        events.GetProperty("items").GetArrayLength().Should().Be(2);
        nextPage.GetProperty("total").GetInt64().Should().Be(3, "the total is the list's, not what is left after the cursor");
        uncounted.TryGetProperty("total", out _).Should().BeFalse();
        uncounted.TryGetProperty("totalIsEstimate", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Past_the_cap_the_total_is_the_planners_estimate_and_never_below_what_was_counted()
    {
        var tenant = CrmDatabase.NewTenant();
        for (var i = 0; i < Cap + 3; i++)
        {
            await database.CreateAsync(tenant, "accounts", new { name = $"Account {i}" });
        }

        var page = await database.ListAsync(tenant, "accounts", Query(("count", "true"), ("limit", "1")), Cap);

        page.GetProperty("totalIsEstimate").GetBoolean().Should().BeTrue();
        page.GetProperty("total").GetInt64().Should().BeGreaterThan(Cap);
        page.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    private static Dictionary<string, string?> Query(params (string Name, string? Value)[] parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
}
