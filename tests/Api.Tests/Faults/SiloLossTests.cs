using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// A silo process dies (SIGKILL) while it holds a write for one of its tenants. The client gets the contract's
/// 503 (problem, Retry-After), not a bare 500, and retrying with the same Idempotency-Key applies the write
/// exactly once once a live silo has taken the tenant over.
/// </summary>
public sealed class SiloLossTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    private const int SigStop = 19;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_write_whose_silo_dies_mid_call_answers_503_and_its_retry_applies_it_once()
    {
        await using var doomed = cluster.StartSiloProcess("doomed");
        var endpoint = await FaultHttp.EventuallyAsync(
            () => ActiveEndpointAsync("doomed"), e => e is not null, Patience, $"silo 'doomed' active; output: {doomed.Output}");
        var (tenant, key) = await TenantPlacedOnAsync(endpoint!);
        using var http = cluster.TenantClient(key, silo: 0);

        // Frozen first, so the request is certainly delivered to it (it sits unread in the silo's socket) before it dies.
        doomed.Signal(SigStop);
        var pending = http.SendAsync(CreateNote(tenant, "written once", "retry-me"));
        var transportPort = int.Parse(endpoint!.Split(':')[^1], CultureInfo.InvariantCulture);
        await FaultHttp.EventuallyAsync(
            () => Task.FromResult(UnreadBytesOnListeningPort(transportPort)), bytes => bytes > 0, Patience, "the write waiting in the frozen silo's socket");
        doomed.Signal(Signals.SigKill);

        using var lost = await pending;
        var body = await lost.Content.ReadAsStringAsync();
        lost.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body);
        lost.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        lost.Headers.RetryAfter?.Delta.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        ApiCluster.Json(body).GetProperty("detail").GetString().Should().Contain("Idempotency-Key");
        body.Should().NotContain(endpoint!, "silo addresses are internal");

        var retried = await FaultHttp.EventuallyAsync(
            async () =>
            {
                using var response = await http.SendAsync(CreateNote(tenant, "written once", "retry-me"));
                return response.StatusCode;
            },
            status => status != HttpStatusCode.ServiceUnavailable, Patience, "the retry served by a live silo");
        retried.Should().Be(HttpStatusCode.Created);

        var notes = await FaultHttp.GetJsonAsync(http, $"/api/tenants/{tenant}/notes?limit=10");
        notes.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("body").GetString())
            .Should().Equal("written once");
    }

    private static HttpRequestMessage CreateNote(string tenant, string text, string idempotencyKey) =>
        new(HttpMethod.Post, $"/api/tenants/{tenant}/notes")
        {
            Content = JsonContent.Create(new { body = text }),
            Headers = { { "Idempotency-Key", idempotencyKey } },
        };

    /// <summary>A new single-mode tenant whose grain rendezvous placement puts on the given silo.</summary>
    private async Task<(string Tenant, string Key)> TenantPlacedOnAsync(string endpoint)
    {
        for (var i = 0; i < 64; i++)
        {
            var tenant = $"loss-{i}";
            var key = await cluster.CreateTenantAsync(tenant, new { mode = "single" });
            using var http = cluster.TenantClient(key, silo: 0);
            (await http.GetAsync($"/api/tenants/{tenant}/notes")).StatusCode.Should().Be(HttpStatusCode.OK);
            if (await ScalarAsync<string>("SELECT silo_endpoint FROM cluster.grain_directory WHERE grain_id = $1", $"tenant/{tenant}") == endpoint)
            {
                return (tenant, key);
            }
        }

        throw new InvalidOperationException($"None of 64 tenants was placed on {endpoint}.");
    }

    private Task<string?> ActiveEndpointAsync(string siloName) =>
        ScalarAsync<string>("SELECT endpoint FROM cluster.silos WHERE silo_name = $1 AND status = 'active'", siloName);

    private async Task<T?> ScalarAsync<T>(string sql, string parameter)
    {
        await using var connection = new NpgsqlConnection(cluster.CatalogConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } };
        return await command.ExecuteScalarAsync() is T value ? value : default;
    }

    /// <summary>Bytes received but not yet read on the accepted connections of a local listening port (/proc/net/tcp).</summary>
    private static long UnreadBytesOnListeningPort(int port)
    {
        const string Established = "01";
        var portHex = port.ToString("X4", CultureInfo.InvariantCulture);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 4 && f[1].EndsWith($":{portHex}", StringComparison.Ordinal) && f[3] == Established)
            .Sum(f => long.Parse(f[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
