using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Silo.Tests;

/// <summary>
/// Orleans' ADO.NET providers on our own schema (<c>infra/migrations/cluster</c>): a silo on a fresh database finds
/// every query it needs and joins; three silos show in the membership table; one that stops is marked dead; a
/// standalone Api reaches them as a cluster client through their gateways.
/// </summary>
public sealed class ClusterMembershipTests : IAsyncLifetime
{
    private const string AdminKey = "cluster-tests-admin-key-0123456789";
    private const int Active = 3;
    private const int Dead = 6;
    private static readonly string EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // What Orleans 10.4.2's clustering, grain storage and reminder providers read from orleans.orleansquery.
    private static readonly string[] ProviderQueryKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey",
        "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "UpsertReminderRowKey",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    private readonly List<SiloApplication> _silos = [];
    private PostgresTestServer _server = null!;
    private string _database = null!;

    private string Catalog => _server.GetConnectionString(_database);

    public async Task InitializeAsync()
    {
        _server = await PostgresTestServer.GetAsync();
        _database = await _server.CreateDatabaseAsync("cluster");
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _server.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task A_silo_on_a_fresh_database_finds_every_provider_query_and_becomes_an_active_member()
    {
        var silo = await StartSiloAsync();

        using var http = new HttpClient { BaseAddress = new Uri(silo.App.Urls.First()) };
        using var ready = await http.GetAsync("/readyz");
        ready.StatusCode.Should().Be(HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        (await QueryAsync("SELECT querykey FROM orleans.orleansquery", r => r.GetString(0))).Should().Contain(ProviderQueryKeys);
        (await QueryAsync("SELECT status FROM orleans.orleansmembershiptable", r => r.GetInt32(0))).Should().Equal(Active);
        (await QueryAsync("SELECT to_regnamespace('cluster') IS NULL", r => r.GetBoolean(0))).Should().Equal([true], "the tables of cluster steps 1 and 2 are dropped");
    }

    [Fact]
    public async Task Three_silos_are_active_members_and_one_that_stops_is_marked_dead()
    {
        var first = await StartSiloAsync();
        var second = await StartSiloAsync();
        var third = await StartSiloAsync();

        var members = await QueryAsync(
            "SELECT address, port, proxyport, status, siloname FROM orleans.orleansmembershiptable WHERE deploymentid = 'orleans-tenants'",
            r => (Address: r.GetString(0), Port: r.GetInt32(1), Gateway: r.GetInt32(2), Status: r.GetInt32(3), Name: r.GetString(4)));
        members.Should().HaveCount(3).And.OnlyContain(m => m.Status == Active && m.Address == "127.0.0.1" && m.Gateway > 0 && m.Gateway != m.Port);
        members.Select(m => m.Port).Distinct().Should().HaveCount(3, "each silo picked its own free port");
        var view = await ClusterViewAsync(first);
        view.Select(s => s.Url).Should().BeEquivalentTo(_silos.Select(s => s.App.Urls.First()));

        var stopped = view.Single(s => s.Url == third.App.Urls.First()).Port;
        await third.App.StopAsync();

        (await QueryAsync($"SELECT status FROM orleans.orleansmembershiptable WHERE port = {stopped}", r => r.GetInt32(0))).Should().Equal(Dead);
        (await ClusterViewAsync(second)).Select(s => s.Url).Should().BeEquivalentTo([first.App.Urls.First(), second.App.Urls.First()]);
    }

    [Fact]
    public async Task A_standalone_api_serves_tenants_as_a_cluster_client_through_the_silos_gateways()
    {
        var silo = await StartSiloAsync();
        await StartSiloAsync();
        using var admin = Client(new Uri(silo.App.Urls.First()), AdminKey);
        (await admin.PostAsJsonAsync("/admin/tenants", new { id = "via-api", name = "Via the Api", placement = new { mode = "single" } })).EnsureSuccessStatusCode();
        var key = (await (await admin.PostAsJsonAsync("/admin/tenants/via-api/api-keys", new { name = "tests" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        var url = new Uri($"http://127.0.0.1:{RestartablePostgres.FreeLoopbackPort()}");
        await using var api = DotnetProcess.Start("OrleansTenants.Api.dll",
            ["--urls", url.ToString().TrimEnd('/'), $"--ConnectionStrings:Catalog={Catalog}", $"--Admin:ApiKey={AdminKey}", $"--Encryption:Keys:k1={EncryptionKey}"]);
        using var tenant = Client(url, key);
        await api.WaitUntilReadyAsync(url, Patience);

        using var created = await tenant.PostAsJsonAsync("/api/tenants/via-api/accounts", new { name = "Through a gateway" });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var direct = Client(new Uri(silo.App.Urls.First()), key);
        (await direct.GetStringAsync(created.Headers.Location)).Should().Contain("Through a gateway");
    }

    private async Task<SiloApplication> StartSiloAsync()
    {
        var silo = await SiloApplication.CreateAsync(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Catalog={Catalog}",
            $"--Admin:ApiKey={AdminKey}",
            $"--Encryption:Keys:k1={EncryptionKey}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        _silos.Add(silo);
        await silo.App.StartAsync();
        return silo;
    }

    /// <summary>The active silos of <c>/admin/cluster</c>: URL and Orleans silo port (from the address, host:port@generation).</summary>
    private static async Task<List<(string Url, int Port)>> ClusterViewAsync(SiloApplication silo)
    {
        using var admin = Client(new Uri(silo.App.Urls.First()), AdminKey);
        var view = await admin.GetFromJsonAsync<JsonElement>("/admin/cluster");
        return
        [
            .. view.GetProperty("silos").EnumerateArray()
                .Where(s => s.GetProperty("status").GetString() == "active")
                .Select(s => (s.GetProperty("url").GetString()!, int.Parse(s.GetProperty("address").GetString()!.Split('@')[0].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture))),
        ];
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(Catalog);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static HttpClient Client(Uri baseAddress, string key)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
