using System.Net;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Messaging;
using OrleansTenants.Runtime.Tests.Cluster;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Messaging;

/// <summary>A silo answers a request it cannot read with 400 and an error, which the caller raises as a <see cref="GrainException"/>.</summary>
public sealed class MalformedCallTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly string[] MalformedCalls =
    [
        "{not json",
        "",
        "[1, 2]",
        """{"grain": 5, "method": "GetAsync()", "args": []}""",
        """{"grain": "no-slash", "method": "GetAsync()", "args": []}""",
        """{"grain": "counter/k", "method": "GetAsync()", "args": "none"}""",
        """{"grain": "counter/k", "method": "FailAsync(String)", "args": [42]}""",
        """{"grain": "nosuch/k", "method": "GetAsync()", "args": []}""",
    ];

    private static readonly string[] MalformedDeactivations = ["{not json", """{"grain": "no-slash"}""", "{}"];

    [Fact]
    public async Task Malformed_grain_calls_fail_with_a_grain_exception_and_malformed_deactivations_get_a_400()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var transport = silo.Services.GetRequiredService<SiloTransportClient>();
        using var http = new HttpClient();
        var authorization = await silo.Services.GetRequiredService<ClusterCredentials>().GetAuthorizationAsync(CancellationToken.None);

        foreach (var body in MalformedCalls)
        {
            using var response = await PostAsync(http, silo, "/grain-calls", body, authorization);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            (await response.Content.ReadAsStringAsync()).Should().Contain(typeof(GrainException).FullName, body);

            var outcome = await transport.CallAsync(silo.Address, Encoding.UTF8.GetBytes(body), CancellationToken.None);
            outcome.Kind.Should().Be(TransportOutcomeKind.Failed, body);
            GrainExceptionFactory.Recreate(outcome.Error!).Should().BeOfType<GrainException>(body).Which.Message.Should().NotBeNullOrWhiteSpace();
        }

        foreach (var body in MalformedDeactivations)
        {
            using var response = await PostAsync(http, silo, "/grain-deactivations", body, authorization);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            (await response.Content.ReadAsStringAsync()).Should().ContainEquivalentOf("deactivation request", body);
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, TestSilo silo, string path, string body, string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{silo.Address.Endpoint}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { { "Authorization", authorization } },
        };
        return await http.SendAsync(request);
    }
}
