using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Postgres.Embedded;
using OrleansTenants.Silo;

namespace OrleansTenants.Bench;

/// <summary>A throwaway PostgreSQL, a silo on it (co-hosted API), and a shared tenant database registered through the admin API.</summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private const string AdminKey = "bench-admin-key-0123456789";
    private readonly string _root;

    private BenchEnvironment(string root, EmbeddedPostgres server, SiloApplication silo, HttpClient admin, string sharedAppConnection)
    {
        _root = root;
        Server = server;
        Silo = silo;
        Admin = admin;
        SharedAppConnection = sharedAppConnection;
    }

    public EmbeddedPostgres Server { get; }

    public SiloApplication Silo { get; }

    public HttpClient Admin { get; }

    /// <summary>The shared tenant database, as its application role (what the bare endpoint uses too).</summary>
    public string SharedAppConnection { get; }

    public static async Task<BenchEnvironment> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("orleans-tenants-bench-").FullName;
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = Path.Combine(root, "pg"), Durable = false }, NullLogger.Instance);
        await using (var postgres = NpgsqlDataSource.Create(server.GetConnectionString()))
        await using (var create = postgres.CreateCommand("CREATE DATABASE bench_catalog"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var catalog = server.GetConnectionString("bench_catalog");
        var silo = await SiloApplication.CreateAsync(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Catalog={catalog}",
            $"--Admin:ApiKey={AdminKey}",
            $"--Encryption:Keys:k1={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await silo.App.StartAsync();
        var admin = new HttpClient { BaseAddress = new Uri(silo.App.Urls.First()) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);

        var shared = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance).CreateAsync(catalog, "bench_shared", CancellationToken.None);
        var environment = new BenchEnvironment(root, server, silo, admin, shared.AppConnectionString);
        await environment.PostAsync("/admin/databases", new { name = "bench-shared", connectionString = shared.AppConnectionString, migrationConnectionString = shared.OwnerConnectionString });
        return environment;
    }

    /// <summary>Creates a tenant in the shared database and returns its API key.</summary>
    public async Task<string> CreateTenantAsync(string id)
    {
        await PostAsync("/admin/tenants", new { id, name = id, placement = new { mode = "shared", database = "bench-shared" } });
        return (await PostAsync($"/admin/tenants/{id}/api-keys", new { name = "bench" }))["key"]!.GetValue<string>();
    }

    /// <summary>Raises the tenant's concurrency limit in the catalog and deactivates its grain so the next call reads it.</summary>
    public async Task SetMaxConcurrencyAsync(string tenant, int limit)
    {
        await using (var catalog = NpgsqlDataSource.Create(Server.GetConnectionString("bench_catalog")))
        await using (var update = catalog.CreateCommand("UPDATE catalog.tenants SET max_concurrency = $1 WHERE id = $2"))
        {
            update.Parameters.AddWithValue(limit);
            update.Parameters.AddWithValue(tenant);
            await update.ExecuteNonQueryAsync();
        }

        using var response = await Admin.PostAsync($"/admin/tenants/{tenant}/deactivate", null);
        response.EnsureSuccessStatusCode();
    }

    public async Task<JsonNode> PostAsync(string path, object body)
    {
        using var response = await Admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(text)! : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Silo.DisposeAsync();
        await Server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
