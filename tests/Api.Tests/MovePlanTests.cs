using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using Xunit;
using static OrleansTenants.Api.Tests.MoveSteps;

namespace OrleansTenants.Api.Tests;

/// <summary><c>POST /admin/tenants/{id}/moves/plan</c>: what the same move request would do, with nothing changed.</summary>
public sealed class MovePlanTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    private readonly MoveSteps _steps = new(fixture);

    private ApiCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_plan_counts_the_rows_names_the_target_and_creates_nothing()
    {
        var (tenant, http) = await _steps.NewSharedTenantAsync("planned");
        var account = await CreateAsync(http, tenant, "accounts", new { name = "Initech" });
        await CreateAsync(http, tenant, "accounts", new { name = "Hooli" });
        await CreateAsync(http, tenant, "contacts", new { firstName = "Peter", lastName = "Gibbons", accountId = account });

        var plan = await PlanAsync(tenant, new { placement = new { mode = "dedicated", createDatabase = true } });

        plan.GetProperty("tenantId").GetString().Should().Be(tenant);
        plan.GetProperty("fromDatabase").GetString().Should().Be("shared-one");
        plan.GetProperty("toMode").GetString().Should().Be("dedicated");
        plan.GetProperty("toDatabase").GetString().Should().Be($"tenant-{tenant}");
        plan.GetProperty("toDatabaseExists").GetBoolean().Should().BeFalse();
        plan.GetProperty("mode").GetString().Should().Be("online");
        plan.GetProperty("onlineBlockers").GetArrayLength().Should().Be(0);
        var rows = plan.GetProperty("rowsByTable").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!, t => t.GetProperty("rows").GetInt64());
        rows["accounts"].Should().Be(2);
        rows["contacts"].Should().Be(1);
        plan.GetProperty("rows").GetInt64().Should().Be(3);
        plan.GetProperty("estimatedSeconds").GetDouble().Should().BePositive();
        plan.GetProperty("estimateBasis").GetString().Should().Contain("online moves");

        (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/moves")).GetArrayLength().Should().Be(0);
        (await Cluster.Admin.GetFromJsonAsync<JsonElement>("/admin/databases")).EnumerateArray()
            .Select(d => d.GetProperty("name").GetString()).Should().NotContain($"tenant-{tenant}");
        await using var server = new NpgsqlConnection(Cluster.Server.GetConnectionString("postgres"));
        await server.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", server) { Parameters = { new() { Value = "tenant_" + tenant.Replace('-', '_') } } };
        ((long)(await exists.ExecuteScalarAsync())!).Should().Be(0, "a plan creates no database");
    }

    [Fact]
    public async Task A_plan_says_offline_when_asked_and_online_where_the_servers_allow_it()
    {
        var (tenant, _) = await _steps.NewSharedTenantAsync("planmode");

        (await PlanAsync(tenant, new { placement = new { mode = "single" }, mode = "offline" })).GetProperty("mode").GetString().Should().Be("offline");
        var online = await PlanAsync(tenant, new { placement = new { mode = "single" } });
        online.GetProperty("mode").GetString().Should().Be("online");
        online.GetProperty("toDatabase").GetString().Should().Be("main");
        online.GetProperty("toDatabaseExists").GetBoolean().Should().BeTrue();
        online.GetProperty("rows").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task A_dedicated_target_whose_database_name_would_be_too_long_is_refused_by_the_plan_and_the_move_alike()
    {
        var tenant = $"long-{Guid.NewGuid():N}-{new string('x', 20)}";
        await Cluster.CreateTenantAsync(tenant, new { mode = "shared", database = "shared-one" });

        foreach (var path in new[] { "moves/plan", "moves" })
        {
            using var created = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/{path}", new { placement = new { mode = "dedicated", createDatabase = true } });
            var problem = await created.Content.ReadAsStringAsync();
            created.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"{path}: {problem}");
            ApiCluster.Json(problem).GetProperty("errors").GetProperty("id")[0].GetString().Should().Be("at most 41 characters with createDatabase: its database is named tenant_<id>");
        }

        (await Cluster.Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}/moves")).GetArrayLength().Should().Be(0);
    }

    private async Task<JsonElement> PlanAsync(string tenant, object body)
    {
        using var response = await Cluster.Admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves/plan", body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
