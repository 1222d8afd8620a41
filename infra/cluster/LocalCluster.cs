using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.ClusterLauncher;

/// <summary>
/// A local cluster: N silo processes (distinct ports) and optionally a standalone Api process against one catalog,
/// which is either a PostgreSQL server this object starts and owns (under <c>DataDirectory/postgres</c>) or a given
/// database. Every node gets the same admin key and master keys (<see cref="ClusterSecrets"/>). Disposing stops the
/// nodes (SIGTERM, then wait), then the server; a launcher that dies takes its nodes and server with it.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    public const string CatalogDatabaseName = "orleans_tenants";
    public const string StateFileName = "cluster.json";

    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly long? OwnStartTime = PosixSignals.StartTime(Environment.ProcessId);

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
            // The catalog stores connection strings with the server's port in them (registered databases, tenant
            // settings): the server keeps the port it got on its first start.
            var portFile = Path.Combine(options.DataDirectory, "postgres-port");
            int? port = File.Exists(portFile) && int.TryParse(File.ReadAllText(portFile).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var saved)
                ? saved
                : null;
            try
            {
                postgres = await EmbeddedPostgres.StartAsync(
                    new EmbeddedPostgresOptions { RootDirectory = Path.Combine(options.DataDirectory, "postgres"), Durable = options.DurablePostgres, Port = port },
                    new TextWriterLogger(log, "postgres: "),
                    cancellationToken);
            }
            catch (InvalidOperationException ex) when (port is not null && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"PostgreSQL of {options.DataDirectory} must listen on port {port} again (the catalog's connection strings name it), but the port is taken. Free it, or start from an empty data directory.", ex);
            }

            await File.WriteAllTextAsync(portFile, postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            try
            {
                await EnsureDatabaseAsync(postgres.GetConnectionString(), CatalogDatabaseName, cancellationToken);
            }
            catch
            {
                await postgres.DisposeAsync();
                throw;
            }

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

    /// <summary>
    /// Starts every silo that is not running (all of them, after <see cref="StopSilosAsync"/>) and waits until each
    /// answers <c>/readyz</c>. <paramref name="extraArguments"/>, when given, replace the extra arguments of earlier starts.
    /// </summary>
    public async Task StartSilosAsync(IReadOnlyList<string>? extraArguments, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (extraArguments is not null)
            {
                _extraSiloArguments = extraArguments;
            }

            var started = new List<ClusterNode>();
            for (var i = 0; i < _silos.Length; i++)
            {
                if (_silos[i] is { HasExited: false })
                {
                    continue;
                }

                if (_silos[i] is { } exited)
                {
                    await exited.DisposeAsync();
                }

                var name = $"silo-{i + 1}";
                var url = new Uri($"http://{_options.Host}:{_ports[i]}");
                string[] arguments = ["--urls", url.ToString().TrimEnd('/'), .. _options.SiloArguments, .. _extraSiloArguments];
                _silos[i] = await ClusterNode.StartAsync(
                    name, NodeRole.Silo, url, _options.SiloAssembly, arguments, NodeEnvironment(name, silo: true), DataDirectory, LogPath(name), cancellationToken);
                started.Add(_silos[i]!);
            }

            WriteState();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(started.Select(s => s.WaitUntilReadyAsync(_http, _options.ReadyTimeout, cancellationToken)));
            if (started.Count > 0)
            {
                _log.WriteLine($"{started.Count} silo(s) ready in {clock.Elapsed.TotalSeconds:F1} s");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops every silo: SIGTERM to all at once, then waits (SIGKILL after the stop timeout).</summary>
    public async Task StopSilosAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopNodesAsync([.. _silos.OfType<ClusterNode>()]);
            for (var i = 0; i < _silos.Length; i++)
            {
                if (_silos[i] is { } silo)
                {
                    await silo.DisposeAsync();
                    _silos[i] = null;
                }
            }

            WriteState();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>kill -9 of one silo (index from 0); returns once it is gone.</summary>
    public async Task<ClusterNode> KillSiloAsync(int index)
    {
        var silo = _silos[index] ?? throw new InvalidOperationException($"silo-{index + 1} is not running.");
        await silo.KillAsync();
        _log.WriteLine($"{silo.Name} (pid {silo.ProcessId}) killed with SIGKILL");
        return silo;
    }

    public async Task StartApiAsync(CancellationToken cancellationToken)
    {
        if (_options.ApiAssembly is null)
        {
            throw new InvalidOperationException("No Api assembly was configured.");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_api is { HasExited: false })
            {
                return;
            }

            if (_api is not null)
            {
                await _api.DisposeAsync();
            }

            var url = new Uri($"http://{_options.Host}:{_ports[^1]}");
            _api = await ClusterNode.StartAsync(
                "api", NodeRole.Api, url, _options.ApiAssembly, ["--urls", url.ToString().TrimEnd('/')], NodeEnvironment("api", silo: false), DataDirectory, LogPath("api"), cancellationToken);
            WriteState();
            await _api.WaitUntilReadyAsync(_http, _options.ReadyTimeout, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the standalone Api, if it runs (SIGTERM, then wait).</summary>
    public async Task StopApiAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_api is not null)
            {
                await StopNodesAsync([_api]);
                await _api.DisposeAsync();
                _api = null;
                WriteState();
            }
        }
        finally
        {
            _gate.Release();
        }
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

    /// <summary>The state as <c>cluster.json</c> holds it.</summary>
    public ClusterState Describe() => new(
        Environment.ProcessId,
        OwnStartTime,
        DateTimeOffset.UtcNow,
        CatalogConnectionString,
        PostgresLogFile,
        PostgresProcessId,
        [.. _silos.OfType<ClusterNode>().Concat(_api is null ? [] : [_api]).Select(n => new ClusterState.Node(
            n.Name, n.Role.ToString().ToLowerInvariant(), n.Url?.ToString().TrimEnd('/'), n.ProcessId, n.ProcessStartTime, n.WrapperProcessId, n.LogFile))]);

    /// <summary>A free TCP port on <paramref name="host"/> (free now; another process may take it before it is used).</summary>
    public static int FreePort(string host)
    {
        using var listener = new TcpListener(IPAddress.Parse(host), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task StopNodesAsync(IReadOnlyList<ClusterNode> nodes)
    {
        var clock = Stopwatch.StartNew();
        var clean = await Task.WhenAll(nodes.Select(n => n.StopAsync(_options.StopTimeout)));
        for (var i = 0; i < nodes.Count; i++)
        {
            if (!clean[i])
            {
                _log.WriteLine($"{nodes[i].Name} did not exit within {_options.StopTimeout.TotalSeconds:0} s of SIGTERM and was killed");
            }
        }

        if (nodes.Count > 0)
        {
            _log.WriteLine($"stopped {string.Join(", ", nodes.Select(n => n.Name))} in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private Dictionary<string, string?> NodeEnvironment(string name, bool silo)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // Per node, so that pg_stat_activity tells the nodes' catalog and membership connections apart.
            ["ConnectionStrings__Catalog"] = new NpgsqlConnectionStringBuilder(CatalogConnectionString) { ApplicationName = name }.ConnectionString,
            // One JSON object per line with a UTC timestamp: readable by tools (the load tester reads activations from it).
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
            // Nodes run with the data directory as their content root, so none of the appsettings.json files apply:
            // request logging at Information would cost more than the requests.
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft"] = "Warning",
            ["DOTNET_NOLOGO"] = "1",
        };
        if (silo)
        {
            environment["Silo__SiloName"] = name;
        }

        foreach (var (key, value) in Secrets.ToEnvironment())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in _options.Environment)
        {
            environment[key] = value;
        }

        return environment;
    }

    private string LogPath(string name) => Path.Combine(DataDirectory, "logs", name + ".log");

    private void WriteState()
    {
        if (_options.WriteStateFile)
        {
            PrivateFile.Write(Path.Combine(DataDirectory, StateFileName), JsonSerializer.Serialize(Describe(), StateJson));
        }
    }

    private static async Task EnsureDatabaseAsync(string serverConnectionString, string database, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(serverConnectionString);
        await using var exists = dataSource.CreateCommand("SELECT 1 FROM pg_database WHERE datname = $1");
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = dataSource.CreateCommand($"CREATE DATABASE \"{database}\"");
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
