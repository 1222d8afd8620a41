using System.Net;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Messaging;
using OrleansTenants.Runtime.Tests.Cluster;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Messaging;

/// <summary>
/// A silo's internal endpoint serves only requests that carry the cluster secret: anyone else gets 401 before any
/// grain code runs, and a process with another secret gets a <see cref="ClusterAuthenticationException"/>, not retries.
/// </summary>
public sealed class ClusterAuthenticationTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Requests_without_the_secret_or_with_a_wrong_one_get_401_and_run_no_grain_code()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var silo = cluster.Silos[0];
        var authorization = await silo.Services.GetRequiredService<ClusterCredentials>().GetAuthorizationAsync(CancellationToken.None);
        var secret = authorization["Bearer ".Length..];
        var key = $"refused-{Guid.NewGuid():N}";
        var call = $$"""{"grain": "counter/{{key}}", "method": "IncrementAsync()", "args": []}""";
        var deactivation = $$"""{"grain": "counter/{{key}}"}""";
        string?[] wrongHeaders = [null, "", "Bearer", "Bearer wrong", $"Bearer {secret}x", $"Bearer {secret[..^1]}", $"Basic {secret}", secret];
        using var http = new HttpClient();

        foreach (var header in wrongHeaders)
        {
            foreach (var (path, body) in new[] { (GrainCallWire.CallPath, call), (GrainCallWire.DeactivatePath, deactivation) })
            {
                using var response = await PostAsync(http, silo, path, body, header);
                response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{path} with {header ?? "no header"}");
                (await response.Content.ReadAsStringAsync()).Should().Contain(typeof(ClusterAuthenticationException).FullName).And.NotContain(secret);
            }
        }

        GrainProbe.Activations(key).Should().Be(0);
        (await silo.Management.FindActivationAsync<ICounterGrain>(key, CancellationToken.None)).Should().BeNull();

        // The very same call with the secret runs: what the silo refused above was the missing or wrong secret alone.
        using var accepted = await PostAsync(http, silo, GrainCallWire.CallPath, call, authorization);
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
        GrainProbe.Activations(key).Should().Be(1);
    }

    [Fact]
    public async Task A_client_with_another_secret_is_refused_without_retries_and_a_client_started_normally_is_served()
    {
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 1);
        var key = $"client-{Guid.NewGuid():N}";
        (await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync()).Should().Be(1);
        var otherSecret = NewSecret();
        var impostor = await cluster.StartClientServicesAsync(o => o.ClusterSecret = otherSecret);

        // A retried refusal would end in the call deadline's TimeoutException instead.
        var refused = await impostor.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>(key).Invoking(g => g.IncrementAsync())
            .Should().ThrowExactlyAsync<ClusterAuthenticationException>();
        refused.Which.Message.Should().Contain(cluster.Silos[0].Address.ToString()).And.Contain("Silo:ClusterSecret").And.NotContain(otherSecret);
        await impostor.GetRequiredService<IClusterManagement>().Invoking(m => m.DeactivateAsync<ICounterGrain>(key, CancellationToken.None))
            .Should().ThrowExactlyAsync<ClusterAuthenticationException>();

        var client = await cluster.StartClientAsync();
        (await client.GetGrain<ICounterGrain>(key).IncrementAsync()).Should().Be(2, "the refused calls ran nothing");
        GrainProbe.Activations(key).Should().Be(1);
    }

    [Fact]
    public async Task A_configured_secret_overrides_the_stored_one_on_silos_and_clients_that_share_it()
    {
        var secret = NewSecret();
        await using var cluster = await TestCluster.StartAsync(database.ConnectionString, 2, o => o.ClusterSecret = secret);
        var client = (await cluster.StartClientServicesAsync(o => o.ClusterSecret = secret)).GetRequiredService<IGrainFactory>();
        var keys = Enumerable.Range(0, 20).Select(i => $"configured-{i}-{Guid.NewGuid():N}").ToList();

        foreach (var key in keys)
        {
            await client.GetGrain<ICounterGrain>(key).IncrementAsync();
            await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
            (await cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync()).Should().Be(3);
        }

        // Without the configured value a client presents the stored secret, or finds none: refused either way.
        var unconfigured = await cluster.StartClientAsync();
        (await unconfigured.GetGrain<ICounterGrain>(keys[0]).Invoking(g => g.IncrementAsync()).Should().ThrowExactlyAsync<ClusterAuthenticationException>())
            .Which.Message.Should().NotContain(secret);
    }

    [Fact]
    public async Task Processes_creating_the_secret_at_once_all_end_up_with_the_one_that_was_stored()
    {
        await using var setup = NpgsqlDataSource.Create(database.ConnectionString);
        await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(setup, ClusterSchema.Migrations);
        await using (var delete = setup.CreateCommand("DELETE FROM cluster.cluster_secret"))
        {
            await delete.ExecuteNonQueryAsync();
        }

        // Each with its own pool, as separate silo processes would be; connections opened first so the inserts race.
        var databases = Enumerable.Range(0, 12).Select(_ => new ClusterDatabase(NpgsqlDataSource.Create(database.ConnectionString))).ToList();
        var credentials = databases.Select(d => new ClusterCredentials(d, Options.Create(new SiloOptions()))).ToList();
        try
        {
            foreach (var clusterDatabase in databases)
            {
                await (await clusterDatabase.DataSource.OpenConnectionAsync()).DisposeAsync();
            }

            await Task.WhenAll(credentials.Select(c => Task.Run(() => c.LoadForSiloAsync(CancellationToken.None))));
            var headers = await Task.WhenAll(credentials.Select(c => c.GetAuthorizationAsync(CancellationToken.None).AsTask()));

            await using var stored = setup.CreateCommand("SELECT count(*) FROM cluster.cluster_secret");
            ((long)(await stored.ExecuteScalarAsync())!).Should().Be(1);
            headers.Distinct().Should().ContainSingle();
            credentials.Should().OnlyContain(c => c.Accepts(headers[0]) && !c.Accepts(headers[0] + "x"));
        }
        finally
        {
            credentials.ForEach(c => c.Dispose());
            foreach (var clusterDatabase in databases)
            {
                await clusterDatabase.DisposeAsync();
            }
        }
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, TestSilo silo, string path, string body, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{silo.Address.Endpoint}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await http.SendAsync(request);
    }
}
