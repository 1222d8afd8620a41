using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTenants.Api.Tests.Faults;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Silo;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>
/// Silos as a user runs them (the Silo's own composition, real Kestrel on loopback ports) on a fresh catalog
/// database of the test server, with tenants in every placement mode created through the admin API.
/// </summary>
public sealed class ApiCluster : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    private static readonly string EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly List<SiloApplication> _silos = [];

    public PostgresTestServer Server { get; private set; } = null!;

    /// <summary>Configuration the silos get besides the cluster's own, as <c>--Key=value</c> arguments.</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    public string CatalogDatabase { get; private set; } = null!;

    public string CatalogConnectionString => Server.GetConnectionString(CatalogDatabase);

    public IReadOnlyList<HttpClient> Silos => _clients;

    public HttpClient Admin { get; private set; } = null!;

    private readonly List<HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        Server = await PostgresTestServer.GetAsync();
        CatalogDatabase = await Server.CreateDatabaseAsync("catalog");
        for (var i = 0; i < 2; i++)
        {
            await StartSiloAsync();
        }

        Admin = NewClient(_clients[0].BaseAddress!, AdminKey);
    }

    public async Task<HttpClient> StartSiloAsync()
    {
        var silo = await SiloApplication.CreateAsync(SiloArguments());
        await silo.App.StartAsync();
        _silos.Add(silo);
        var client = new HttpClient { BaseAddress = new Uri(silo.App.Urls.First()) };
        _clients.Add(client);
        return client;
    }

    /// <summary>A silo of this cluster as its own process (the test output's copy of the Silo program), for faults that kill it.</summary>
    public DotnetProcess StartSiloProcess(string siloName) =>
        DotnetProcess.Start("OrleansTenants.Silo.dll", [.. SiloArguments(), $"--Orleans:Name={siloName}"]);

    private string[] SiloArguments() =>
    [
        "--urls", "http://127.0.0.1:0",
        $"--ConnectionStrings:Catalog={CatalogConnectionString}",
        $"--Admin:ApiKey={AdminKey}",
        $"--Encryption:Keys:k1={EncryptionKey}",
        "--Logging:LogLevel:Default=Warning",
        .. Settings,
    ];

    /// <summary>A new database with the tenant schema, registered as a shared database named after it.</summary>
    public async Task<ProvisionedDatabase> RegisterSharedDatabaseAsync(string prefix)
    {
        var database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance)
            .CreateAsync(CatalogConnectionString, $"{prefix}_{Guid.NewGuid():N}"[..24], CancellationToken.None);
        await PostAsync("/admin/databases", new { name = database.Name, connectionString = database.AppConnectionString, migrationConnectionString = database.OwnerConnectionString });
        return database;
    }

    /// <summary>Creates a tenant with the given placement and returns an API key for it.</summary>
    public async Task<string> CreateTenantAsync(string id, object placement)
    {
        await PostAsync("/admin/tenants", new { id, name = $"Tenant {id}", industry = "Testing", placement });
        var key = await PostAsync($"/admin/tenants/{id}/api-keys", new { name = "tests" });
        return key["key"]!.GetValue<string>();
    }

    public async Task<JsonNode> PostAsync(string path, object body)
    {
        using var response = await Admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    public static HttpClient NewClient(Uri baseAddress, string key)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient TenantClient(string key, int silo = 0) => NewClient(_clients[silo].BaseAddress!, key);

    /// <summary>The Orleans address (host:port@generation) of a silo process of this cluster, once the cluster view has it active.</summary>
    public async Task<string> WaitUntilActiveAsync(string siloName, DotnetProcess process) =>
        (await FaultHttp.EventuallyAsync(
            async () =>
            {
                var view = await Admin.GetFromJsonAsync<JsonElement>("/admin/cluster");
                return view.GetProperty("silos").EnumerateArray()
                    .Where(s => s.GetProperty("name").GetString() == siloName && s.GetProperty("status").GetString() == "active")
                    .Select(s => s.GetProperty("address").GetString())
                    .FirstOrDefault();
            },
            address => address is not null,
            TimeSpan.FromSeconds(60),
            $"silo '{siloName}' active; output: {process.Output}"))!;

    /// <summary>A new single-mode tenant (and its key) whose grain Orleans placed on the silo at <paramref name="address"/>.</summary>
    public async Task<(string Tenant, string Key)> TenantPlacedOnAsync(string address, string prefix)
    {
        for (var i = 0; i < 64; i++)
        {
            var tenant = $"{prefix}-{i}";
            var key = await CreateTenantAsync(tenant, new { mode = "single" });
            using var http = TenantClient(key);
            using (var first = await http.GetAsync($"/api/tenants/{tenant}/notes"))
            {
                first.EnsureSuccessStatusCode();
            }

            var view = await Admin.GetFromJsonAsync<JsonElement>($"/admin/tenants/{tenant}");
            if (view.GetProperty("activation").GetString() == address)
            {
                return (tenant, key);
            }
        }

        throw new InvalidOperationException($"None of 64 tenants was placed on {address}.");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        Admin?.Dispose();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await Server.DropDatabaseAsync(CatalogDatabase);
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
