using System.Net;
using System.Net.Http.Json;
using System.Text;
using FluentAssertions;
using Npgsql;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>
/// Admin requests that cannot be carried out are refused before anything is made: no catalog row, no database,
/// no role is left behind. Every refusal is a problem response naming the field.
/// </summary>
public sealed class AdminBadInputTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    private ApiCluster Cluster => fixture.Cluster;

    // The physical names a dedicated tenant with createDatabase would get: tenant_<id with '_' for '-'>, its roles too.
    public static TheoryData<string, string, string> InvalidRequests => new()
    {
        { "/admin/tenants", """{"id":"a-tenant-id-that-is-long-enough-to-overflow-its-db","name":"Long","placement":{"mode":"dedicated","createDatabase":true}}""", "id" },
        { "/admin/tenants", """{"id":"nul-name","name":"Bad\u0000name","placement":{"mode":"dedicated","createDatabase":true}}""", "name" },
        { "/admin/tenants", """{"id":"nul-industry","name":"Fine","industry":"a\u0000b","placement":{"mode":"single"}}""", "industry" },
        { "/admin/tenants", """{"id":"Not_A_Slug","name":"Fine","placement":{"mode":"single"}}""", "id" },
        { "/admin/tenants", """{"id":"no-such-set","name":"Fine","placement":{"mode":"sharded","shardSet":"nowhere"}}""", "placement.shardSet" },
        { "/admin/shard-sets", """{"name":"holes","databases":[null]}""", "databases" },
        { "/admin/tenants", """{"id":"replica-creds","name":"R","placement":{"mode":"dedicated","connectionString":"Host=127.0.0.1;Port=1;Database=a;Username=u;Password=p","replicas":["Host=127.0.0.2;Port=1;Database=a;Username=other;Password=p"]}}""", "replicas[0]" },
        { "/admin/databases", """{"name":"unreachable","connectionString":"Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2"}""", "connectionString" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task An_invalid_admin_request_is_400_with_the_field_and_makes_nothing(string path, string body, string field)
    {
        var prefix = "tenant_" + (ApiCluster.Json(body).TryGetProperty("id", out var id) ? id.GetString()!.ToLowerInvariant().Replace('-', '_') : "none");
        var before = await FootprintAsync(prefix);

        using var response = await Cluster.Admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        ApiCluster.Json(text).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(text);
        (await FootprintAsync(prefix)).Should().Be(before);
    }

    [Fact]
    public async Task A_taken_tenant_id_is_409_before_any_database_is_provisioned()
    {
        var (taken, _) = fixture.Tenants["shared"];
        var prefix = "tenant_" + taken.Replace('-', '_');
        var before = await FootprintAsync(prefix);

        using var response = await Cluster.Admin.PostAsJsonAsync(
            "/admin/tenants", new { id = taken, name = "Again", placement = new { mode = "dedicated", createDatabase = true } });

        response.StatusCode.Should().Be(HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await FootprintAsync(prefix)).Should().Be(before);
    }

    [Theory]
    [InlineData("DELETE", "/admin/tenants/anyone/api-keys/not-a-uuid", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/admin/no-such-thing", HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/tenants", HttpStatusCode.NotFound)]
    [InlineData("PUT", "/admin/tenants", HttpStatusCode.MethodNotAllowed)]
    public async Task Paths_that_lead_nowhere_still_answer_problem_json(string method, string path, HttpStatusCode expected)
    {
        using var response = await Cluster.Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.Should().Be(expected);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task A_deactivation_is_written_to_the_audit_log()
    {
        var (tenant, _) = fixture.Tenants["single"];
        var before = await CountAsync("SELECT count(*) FROM catalog.audit_log WHERE action = 'tenant.deactivate' AND target = $1", $"tenant:{tenant}");

        (await Cluster.Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await CountAsync("SELECT count(*) FROM catalog.audit_log WHERE action = 'tenant.deactivate' AND target = $1", $"tenant:{tenant}"))
            .Should().Be(before + 1);
    }

    /// <summary>
    /// What an admin request can leave behind: this cluster's catalog rows, and the server's databases and roles
    /// named for the tenant (other test classes make databases on the same server at the same time).
    /// </summary>
    private async Task<string> FootprintAsync(string physicalPrefix) =>
        $"tenants {await CountAsync("SELECT count(*) FROM catalog.tenants")}, " +
        $"databases {await CountAsync("SELECT count(*) FROM catalog.databases")}, " +
        $"shard sets {await CountAsync("SELECT count(*) FROM catalog.shard_sets")}, " +
        $"server databases {await CountAsync("SELECT count(*) FROM pg_database WHERE starts_with(datname, $1)", physicalPrefix)}, " +
        $"roles {await CountAsync("SELECT count(*) FROM pg_roles WHERE starts_with(rolname, $1)", physicalPrefix)}";

    private async Task<long> CountAsync(string sql, string? parameter = null)
    {
        await using var connection = new NpgsqlConnection(Cluster.CatalogConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }
}
