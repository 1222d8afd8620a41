using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// Three silos, each its own process (as operators run them), on a fresh catalog: any of them may be killed, and each
/// writes its tenant activations and deactivations as JSON log lines with UTC timestamps for the test to read.
/// </summary>
public sealed class ProcessCluster : IAsyncLifetime
{
    public const int Size = 3;
    private const string AdminKey = "process-cluster-admin-key-0123456789";
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(90);
    private readonly string _encryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly List<SiloNode> _silos = [];
    private PostgresTestServer _server = null!;
    private string _database = null!;

    public IReadOnlyList<SiloNode> Silos => _silos;

    public string CatalogConnectionString => _server.GetConnectionString(_database);

    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresTestServer.GetAsync();
        _database = await _server.CreateDatabaseAsync("processes");
        for (var i = 1; i <= Size; i++)
        {
            _silos.Add(Start($"silo-{i}"));
        }

        foreach (var silo in _silos)
        {
            await silo.WaitUntilReadyAsync(StartPatience);
        }

        Admin = Client(_silos[0].Url, AdminKey);
    }

    /// <summary>Creates a single-mode tenant and returns an API key for it.</summary>
    public async Task<string> CreateTenantAsync(string id)
    {
        (await Admin.PostAsJsonAsync("/admin/tenants", new { id, name = $"Tenant {id}", placement = new { mode = "single" } })).EnsureSuccessStatusCode();
        using var issued = await Admin.PostAsJsonAsync($"/admin/tenants/{id}/api-keys", new { name = "tests" });
        return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public static HttpClient Client(Uri baseAddress, string key)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        foreach (var silo in _silos)
        {
            await silo.Process.DisposeAsync();
        }

        await _server.DropDatabaseAsync(_database);
    }

    private SiloNode Start(string name)
    {
        var url = new Uri($"http://127.0.0.1:{RestartablePostgres.FreeLoopbackPort()}");
        var process = DotnetProcess.Start("OrleansTenants.Silo.dll",
        [
            "--urls", url.ToString().TrimEnd('/'),
            $"--ConnectionStrings:Catalog={CatalogConnectionString}",
            $"--Admin:ApiKey={AdminKey}",
            $"--Encryption:Keys:k1={_encryptionKey}",
            $"--Orleans:Name={name}",
            "--Logging:Console:FormatterName=json",
            "--Logging:Console:FormatterOptions:UseUtcTimestamp=true",
            "--Logging:Console:FormatterOptions:TimestampFormat=yyyy-MM-ddTHH:mm:ss.fffffffZ",
            "--Logging:LogLevel:Default=Warning",
            $"--Logging:LogLevel:{ActivationRecord.TenantGrainCategory}=Information",
        ]);
        return new SiloNode(name, url, process);
    }
}

/// <summary>One silo process of a <see cref="ProcessCluster"/>.</summary>
public sealed record SiloNode(string Name, Uri Url, DotnetProcess Process)
{
    public Task WaitUntilReadyAsync(TimeSpan patience) => Process.WaitUntilReadyAsync(Url, patience);
}
