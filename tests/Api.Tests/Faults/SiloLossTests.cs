using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
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
        var address = await cluster.WaitUntilActiveAsync("doomed", doomed);
        var (tenant, key) = await cluster.TenantPlacedOnAsync(address, "loss");
        using var http = cluster.TenantClient(key, silo: 0);

        // Frozen first, so the request is certainly delivered to it (it sits unread in the silo's socket) before it dies.
        doomed.Signal(SigStop);
        var pending = http.SendAsync(CreateNote(tenant, "written once", "retry-me"));
        await FaultHttp.EventuallyAsync(
            () => Task.FromResult(UnreadBytesOfProcess(doomed.ProcessId)), bytes => bytes > 0, Patience, "the write waiting in the frozen silo's sockets");
        doomed.Signal(Signals.SigKill);

        using var lost = await pending;
        var body = await lost.Content.ReadAsStringAsync();
        lost.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body);
        lost.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        lost.Headers.RetryAfter?.Delta.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        ApiCluster.Json(body).GetProperty("detail").GetString().Should().Contain("Idempotency-Key");
        body.Should().NotContain(address.Split('@')[0], "silo addresses are internal");

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

    /// <summary>
    /// Bytes received but not yet read on the TCP sockets a process holds (its descriptors' socket inodes looked up
    /// in /proc/net/tcp): the grain call sent to a frozen silo, on whichever connection between the silos carries it.
    /// </summary>
    private static long UnreadBytesOfProcess(int processId)
    {
        var inodes = Directory.EnumerateFiles($"/proc/{processId}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target!["socket:[".Length..^1])
            .ToHashSet(StringComparer.Ordinal);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && inodes.Contains(f[9]))
            .Sum(f => long.Parse(f[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
