using System.Net;
using System.Net.Sockets;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.ClusterLauncher;

/// <summary>
/// A local cluster: N silo processes (distinct ports) and optionally a standalone Api process against one catalog,
/// which is either a PostgreSQL server this object starts and owns (under <c>DataDirectory/postgres</c>) or a given
/// database. Every node gets the same admin key and master keys (<see cref="ClusterSecrets"/>). Disposing stops the
/// nodes (SIGTERM, then wait), then the server; a launcher that dies takes its nodes and server with it.
/// </summary>
public sealed partial class LocalCluster : IAsyncDisposable
{
    public const string CatalogDatabaseName = "orleans_tenants";
    public const string StateFileName = "cluster.json";

    private readonly ClusterOptions _options;
    private readonly TextWriter _log;
    private readonly EmbeddedPostgres? _postgres;
    private readonly ClusterNode?[] _silos;
    private readonly int[] _ports;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ClusterNode? _api;
    private IReadOnlyList<string> _extraSiloArguments = [];
    private bool _disposed;

    private LocalCluster(ClusterOptions options, TextWriter log, EmbeddedPostgres? postgres, string catalog, ClusterSecrets secrets)
    {
        _options = options;
        _log = log;
        _postgres = postgres;
        CatalogConnectionString = catalog;
        Secrets = secrets;
        _silos = new ClusterNode?[options.Silos];
        _ports = [.. Enumerable.Range(0, options.Silos + 1).Select(i => options.BasePort == 0 ? FreePort(options.Host) : options.BasePort + i)];
    }

    public string DataDirectory => _options.DataDirectory;

    /// <summary>The catalog database, as the nodes get it (without their per-node Application Name).</summary>
    public string CatalogConnectionString { get; }

    public ClusterSecrets Secrets { get; }

    /// <summary>The embedded server's log file (statements logged by the server land here); null with a given catalog.</summary>
    public string? PostgresLogFile => _postgres is null ? null : Path.Combine(DataDirectory, "postgres", "postgres.log");

    public int? PostgresProcessId => _postgres?.ServerProcessId;

    /// <summary>The silos started last, by index (silo-1 first); an entry may have exited (killed, crashed).</summary>
    public IReadOnlyList<ClusterNode> Silos => [.. _silos.OfType<ClusterNode>()];

    public ClusterNode? Api => _api;

    public static async Task<LocalCluster> StartAsync(ClusterOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Silos < 1)
        {
            throw new ArgumentException("A cluster needs at least one silo.", nameof(options));
        }

        if (!File.Exists(options.SiloAssembly))
        {
            throw new FileNotFoundException($"The silo assembly '{options.SiloAssembly}' does not exist: build src/Silo first.");
        }

        if (options.StartApi && (options.ApiAssembly is null || !File.Exists(options.ApiAssembly)))
        {
            throw new FileNotFoundException($"The Api assembly '{options.ApiAssembly}' does not exist: build src/Api first.");
        }

        options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
        Directory.CreateDirectory(options.DataDirectory);
        // The state file may be left by a launcher that was killed, and its pid reused since: only a process with the
        // recorded pid and start time is that launcher.
        if (ClusterState.Read(options.DataDirectory) is { } running && running.LauncherProcessId != Environment.ProcessId && running.IsLauncherRunning())
        {
            throw new InvalidOperationException(
                $"A cluster launched by process {running.LauncherProcessId} already runs from {options.DataDirectory}; stop it first.");
        }

        var secrets = ClusterSecrets.LoadOrCreate(options.DataDirectory);
        EmbeddedPostgres? postgres = null;
        string catalog;
        if (options.CatalogConnectionString is null)
        {
            postgres = await StartPostgresAsync(options, log, cancellationToken);
            catalog = postgres.GetConnectionString(CatalogDatabaseName);
        }
        else
        {
            catalog = options.CatalogConnectionString;
        }

        var cluster = new LocalCluster(options, log, postgres, catalog, secrets);
        try
        {
            await cluster.StartSilosAsync(null, cancellationToken);
            if (options.StartApi)
            {
                await cluster.StartApiAsync(cancellationToken);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Stops the Api and the silos (SIGTERM, wait), then the embedded server; removes the state file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_api is not null)
            {
                await StopNodesAsync([_api]);
                await _api.DisposeAsync();
            }

            await StopNodesAsync([.. _silos.OfType<ClusterNode>()]);
            foreach (var silo in _silos.OfType<ClusterNode>())
            {
                await silo.DisposeAsync();
            }

            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }

            if (_options.WriteStateFile)
            {
                File.Delete(Path.Combine(DataDirectory, StateFileName));
            }

            _http.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A free TCP port on <paramref name="host"/> (free now; another process may take it before it is used).</summary>
    public static int FreePort(string host)
    {
        using var listener = new TcpListener(IPAddress.Parse(host), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
