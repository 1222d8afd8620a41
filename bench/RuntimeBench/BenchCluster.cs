using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Postgres.Embedded;
using OrleansTenants.Runtime;
using OrleansTenants.Runtime.Hosting;

namespace OrleansTenants.RuntimeBench;

/// <summary>
/// Everything the grain scenarios need, in this process: a throwaway PostgreSQL in a temporary directory
/// (removed on dispose), two silos on their own internal ports, and one cluster client.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public const string SiloA = "silo-a";
    public const string SiloB = "silo-b";
    private const string Database = "runtime_bench";

    private readonly string _root;
    private readonly ILoggerFactory _loggers;
    private readonly string? _npgsqlOptions;
    private readonly List<IHost> _hosts = [];
    private EmbeddedPostgres? _postgres;
    private bool _disposed;

    private BenchCluster(string root, ILoggerFactory loggers, string? npgsqlOptions)
    {
        _npgsqlOptions = npgsqlOptions;
        _root = root;
        _loggers = loggers;
    }

    public string ConnectionString { get; private set; } = string.Empty;

    public int? PostgresProcessId => _postgres?.ServerProcessId;

    /// <summary>Silo A's own factory: with prefer-local placement, grains it calls first live on silo A.</summary>
    public IGrainFactory SiloAFactory { get; private set; } = null!;

    public IGrainFactory ClientFactory { get; private set; } = null!;

    public IClusterManagement Management { get; private set; } = null!;

    /// <summary>How long stopping the hosts took (silos deactivate and unregister every activation).</summary>
    public TimeSpan ShutdownTime { get; private set; }

    /// <summary>Directory entries left after the silos stopped gracefully (should be 0), or null if it could not be read.</summary>
    public long? EntriesAfterShutdown { get; private set; }

    /// <param name="npgsqlOptions">Appended to the cluster database's connection string (say, <c>Max Auto Prepare=20</c>), to try settings.</param>
    public static async Task<BenchCluster> StartAsync(ILoggerFactory loggers, string? npgsqlOptions, CancellationToken cancellationToken)
    {
        // Under the system temp dir (world-traversable); the embedded server runs as `postgres` when we are root,
        // so the root itself must be searchable by others too.
        var root = Directory.CreateTempSubdirectory("runtime-bench-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        }

        var cluster = new BenchCluster(root, loggers, npgsqlOptions);
        try
        {
            await cluster.StartAllAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<long> CountDirectoryEntriesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM cluster.grain_directory", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var stopping = Stopwatch.StartNew();
        // Client first, then the silos together (each drains and unregisters its activations).
        if (_hosts.Count > 0)
        {
            await StopQuietlyAsync(_hosts[^1]);
        }

        await Task.WhenAll(_hosts.Take(_hosts.Count - 1).Select(StopQuietlyAsync));
        ShutdownTime = stopping.Elapsed;
        try
        {
            EntriesAfterShutdown = _postgres is null ? null : await CountDirectoryEntriesAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            EntriesAfterShutdown = null;
        }

        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        if (_postgres is not null)
        {
            await _postgres.StopAsync();
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"Could not remove {_root}: {ex.Message}");
        }
    }

    private async Task StartAllAsync(CancellationToken cancellationToken)
    {
        _postgres = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { RootDirectory = _root, Durable = false }, _loggers.CreateLogger("postgres"), cancellationToken);
        await using (var connection = new NpgsqlConnection(_postgres.GetConnectionString()))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        ConnectionString = _postgres.GetConnectionString(Database) + (string.IsNullOrWhiteSpace(_npgsqlOptions) ? "" : ";" + _npgsqlOptions);

        // One silo first: it applies the cluster schema, so the second and the client find it in place.
        var siloA = await StartHostAsync(SiloA, client: false, cancellationToken);
        await StartHostAsync(SiloB, client: false, cancellationToken);
        var client = await StartHostAsync("client", client: true, cancellationToken);
        SiloAFactory = siloA.Services.GetRequiredService<IGrainFactory>();
        ClientFactory = client.Services.GetRequiredService<IGrainFactory>();
        Management = siloA.Services.GetRequiredService<IClusterManagement>();
        await WaitForActiveSilosAsync(2, cancellationToken);
    }

    private async Task<IHost> StartHostAsync(string name, bool client, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:ConnectionString"] = ConnectionString,
            ["Silo:SiloName"] = name,
            // Silos place a grain where its first call starts (the local scenarios need that); clients ignore it.
            ["Silo:Placement"] = PlacementNames.PreferLocal,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);
        builder.Services.AddSingleton(new SiloTag(name));
        var section = builder.Configuration.GetSection(SiloOptions.SectionName);
        var grains = client ? builder.Services.AddGrainClient(section) : builder.Services.AddGrainSilo(section);
        grains.AddGrain<IBenchGrain, BenchGrain>().AddJsonTypeInfo(BenchJsonContext.Default);
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        _hosts.Add(host);
        return host;
    }

    private async Task WaitForActiveSilosAsync(int count, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await Management.GetSilosAsync(timeout.Token)).Count(s => s.Status == "active") < count)
        {
            await Task.Delay(100, timeout.Token);
        }

        // Every process reads membership once per probe period (1 s by default): let all of them see both silos.
        await Task.Delay(TimeSpan.FromSeconds(2.5), cancellationToken);
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            await host.StopAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"Stopping a host failed: {ex.Message}");
        }
    }
}
