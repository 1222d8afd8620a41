using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Silo;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Cli.Tests;

/// <summary>
/// One silo as a user runs it (the Silo's own composition, Kestrel on a loopback port) on a fresh catalog database
/// of the test server (which sets up single mode's database, "main", itself), and a way to run the CLI in process against it.
/// </summary>
public sealed class CliSilo : IAsyncLifetime
{
    public const string AdminKey = "cli-test-admin-key-0123456789";
    public const string EncryptionKeyId = "k1";
    public static readonly string EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly List<string> _databases = [];
    private SiloApplication? _silo;

    public PostgresTestServer Server { get; private set; } = null!;

    public string CatalogDatabase { get; private set; } = null!;

    public string CatalogConnectionString => Server.GetConnectionString(CatalogDatabase);

    /// <summary>The application role's connection to the catalog's database (single mode's database).</summary>
    public string MainAppConnectionString { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public TemporaryDirectory WorkingDirectory { get; } = new("cli-tests-");

    public async Task InitializeAsync()
    {
        Server = await PostgresTestServer.GetAsync();
        CatalogDatabase = await Server.CreateDatabaseAsync("clicatalog");
        _silo = await SiloApplication.CreateAsync(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Catalog={CatalogConnectionString}",
            $"--Admin:ApiKey={AdminKey}",
            $"--Encryption:Keys:{EncryptionKeyId}={EncryptionKey}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _silo.App.StartAsync();
        Url = new Uri(_silo.App.Urls.First());
        // The silo set up single mode's database itself, as on any catalog.
        MainAppConnectionString = (await _silo.App.Services.GetRequiredService<DatabaseCatalog>()
            .GetConnectionAsync(SingleModeDatabase.Name, CancellationToken.None)).ConnectionString;
    }

    /// <summary>Creates a database with its owner and application roles; dropped when the fixture ends.</summary>
    public async Task<ProvisionedDatabase> ProvisionDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..30];
        var database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance).CreateAsync(CatalogConnectionString, name, CancellationToken.None);
        _databases.Add(database.Name);
        return database;
    }

    /// <summary>Runs the CLI against this silo with the admin key, in an empty environment.</summary>
    public Task<CliRun> RunAsync(params string[] args) => RunUntilAsync(CancellationToken.None, args);

    /// <summary>Runs the CLI against this silo with the admin key until it ends or <paramref name="cancellationToken"/> stops it (as Ctrl-C would).</summary>
    public Task<CliRun> RunUntilAsync(CancellationToken cancellationToken, params string[] args) =>
        CliRun.ExecuteAsync(["--url", Url.AbsoluteUri, "--admin-key", AdminKey, .. args], new Dictionary<string, string?>(), WorkingDirectory.Path, cancellationToken);

    /// <summary>Runs the CLI with exactly these arguments and environment variables, in the fixture's working directory.</summary>
    public Task<CliRun> RunWithAsync(IReadOnlyDictionary<string, string?> environment, string[] args, string? workingDirectory = null) =>
        CliRun.ExecuteAsync(args, environment, workingDirectory ?? WorkingDirectory.Path);

    public HttpClient TenantClient(string key)
    {
        var client = new HttpClient { BaseAddress = Url };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            await Server.DropDatabaseAsync(database);
        }

        await Server.DropDatabaseAsync(CatalogDatabase);
        WorkingDirectory.Dispose();
    }
}

/// <summary>One in-process run of the CLI: its exit code and what it printed.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    internal static async Task<CliRun> ExecuteAsync(
        string[] args, IReadOnlyDictionary<string, string?> environment, string workingDirectory, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Program.RunAsync(args, new CliContext(output, error, environment, workingDirectory), cancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}--- stderr\n{Error}";
}
