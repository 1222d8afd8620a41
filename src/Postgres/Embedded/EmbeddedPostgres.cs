using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTenants.Postgres.Embedded;

/// <summary>
/// A private PostgreSQL server on a loopback port, run from the installed binaries: the cluster is created on
/// first start and reused afterwards. The server stops with <see cref="StopAsync"/> or when this process dies.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private const string Superuser = "postgres";
    private static readonly TimeSpan ConnectRetryDelay = TimeSpan.FromMilliseconds(50);

    // Null when this process joined a server that another process runs (and stops).
    private readonly ServerWatchdog? _watchdog;
    private readonly string _password;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _stopping;

    private EmbeddedPostgres(ServerWatchdog? watchdog, string password, ILogger logger, int port, string dataDirectory, bool createdCluster, int serverProcessId)
    {
        _watchdog = watchdog;
        _password = password;
        _logger = logger;
        Port = port;
        DataDirectory = dataDirectory;
        CreatedCluster = createdCluster;
        ServerProcessId = serverProcessId;
    }

    private enum StartOutcome
    {
        Ready,
        Exited,
        TimedOut,
    }

    public int Port { get; }

    public string DataDirectory { get; }

    /// <summary>True when this start ran initdb.</summary>
    public bool CreatedCluster { get; }

    /// <summary>The postmaster's process id.</summary>
    public int ServerProcessId { get; }

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Embedded PostgreSQL runs on Linux and other Unix systems only.");
        }

        var started = Stopwatch.GetTimestamp();
        var tools = new PostgresTools(PostgresBinaries.Locate(options.BinDirectory is { } bin ? [bin] : options.BinSearchDirectories));
        var cluster = new ClusterDirectory(options.RootDirectory, tools);
        // Processes starting on one directory at once take turns: the first creates and starts, the next joins or restarts.
        await using var startLock = await cluster.LockForStartAsync(options.StartTimeout, cancellationToken);
        var (password, created, runningPort) = await cluster.PrepareAsync(options.Durable, options.JoinRunningServer, logger, cancellationToken);
        if (created)
        {
            Log.ClusterCreated(logger, cluster.DataDirectory);
        }

        if (runningPort is { } joinedPort)
        {
            var joined = new EmbeddedPostgres(null, password, logger, joinedPort, cluster.DataDirectory, false, cluster.ReadServerProcessId());
            await WaitUntilAcceptingAsync(ConnectionString(joinedPort, password, Superuser), options.StartTimeout, cancellationToken);
            Log.Joined(logger, joinedPort, cluster.RunningOwner() ?? 0, cluster.DataDirectory);
            return joined;
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port ?? FreeLoopbackPort();
            var logOffset = cluster.LogLength();
            var watchdog = await StartServerAsync(tools, cluster, port, options, cancellationToken);
            StartOutcome outcome;
            try
            {
                outcome = await WaitUntilReadyAsync(watchdog, ConnectionString(port, password, Superuser), options.StartTimeout, cancellationToken);
            }
            catch
            {
                await watchdog.DisposeAsync();
                throw;
            }

            if (outcome == StartOutcome.Ready)
            {
                cluster.RecordOwner();
                var server = new EmbeddedPostgres(watchdog, password, logger, port, cluster.DataDirectory, created, cluster.ReadServerProcessId());
                Log.Started(logger, port, server.ServerProcessId, cluster.DataDirectory, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return server;
            }

            await watchdog.DisposeAsync();
            var log = cluster.ReadLogTail(logOffset);
            if (outcome == StartOutcome.Exited && options.Port is null && attempt < PortAttempts && log.Contains("Address already in use", StringComparison.Ordinal))
            {
                Log.PortTaken(logger, port); // Another process bound it between our probe and the postmaster.
                continue;
            }

            throw outcome == StartOutcome.Exited
                ? new InvalidOperationException($"PostgreSQL exited while starting (exit code {watchdog.ServerExitCode}). End of {cluster.LogFile}:\n{log}")
                : new TimeoutException($"PostgreSQL did not accept connections on port {port} within {options.StartTimeout}. End of {cluster.LogFile}:\n{log}");
        }
    }

    /// <summary>A superuser connection string (Host=127.0.0.1) to <paramref name="database"/>.</summary>
    public string GetConnectionString(string database = "postgres") => ConnectionString(Port, _password, database);

    /// <summary>Stops the server cleanly; safe to call more than once. Cancelling stops the waiting, not the stop.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _stopping ??= StopServerAsync();
        }

        return _stopping.WaitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StopServerAsync()
    {
        if (_watchdog is null)
        {
            Log.LeftToOwner(_logger, Port);
            return;
        }

        await _watchdog.DisposeAsync();
        Log.Stopped(_logger, Port);
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task<ServerWatchdog> StartServerAsync(PostgresTools tools, ClusterDirectory cluster, int port, EmbeddedPostgresOptions options, CancellationToken cancellationToken)
    {
        // Private and short: Unix socket paths are limited to about 107 bytes.
        var runtimeDirectory = Directory.CreateTempSubdirectory("pg-").FullName;
        try
        {
            await tools.GiveToServerAccountAsync([runtimeDirectory], cancellationToken);
            var arguments = ServerArguments(cluster.DataDirectory, runtimeDirectory, port, options.MaxConnections, options.Durable);
            return ServerWatchdog.Start(tools, cluster.DataDirectory, cluster.LogFile, runtimeDirectory, arguments);
        }
        catch
        {
            Directory.Delete(runtimeDirectory, recursive: true);
            throw;
        }
    }

    private static List<string> ServerArguments(string dataDirectory, string socketDirectory, int port, int maxConnections, bool durable)
    {
        List<string> arguments =
        [
            "-D", dataDirectory,
            "-c", "port=" + port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=" + socketDirectory,
            "-c", "max_connections=" + maxConnections.ToString(CultureInfo.InvariantCulture),
            // Logical replication: moving tenants between databases, read replicas. Each online move holds a slot, a
            // sender and an apply worker, and its initial copy up to two more of each; the defaults (10 slots, 4 logical
            // replication workers) let a few moves at once starve each other's table copies indefinitely.
            "-c", "wal_level=logical",
            "-c", "max_wal_senders=40",
            "-c", "max_replication_slots=40",
            "-c", "max_logical_replication_workers=24",
            "-c", "max_worker_processes=32",
        ];
        if (!durable)
        {
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return arguments;
    }

    private static async Task<StartOutcome> WaitUntilReadyAsync(ServerWatchdog watchdog, string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        // Also cancelled when the server exits, so a failed start is reported at once, not after a connect timeout.
        using var attempts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.ServerExited);
        var waiting = Stopwatch.StartNew();
        try
        {
            // WaitAsync: Npgsql ignores cancellation during the startup handshake (say, with another program on the
            // port), so an attempt is abandoned rather than awaited; it ends by its own Timeout.
            while (!await AcceptsQueriesAsync(probe, attempts.Token).WaitAsync(attempts.Token))
            {
                if (waiting.Elapsed > timeout)
                {
                    return StartOutcome.TimedOut;
                }

                await Task.Delay(ConnectRetryDelay, attempts.Token);
            }

            return StartOutcome.Ready;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return StartOutcome.Exited;
        }
    }

    /// <summary>A joined server may still be starting (its owner started a moment ago): wait for it as for our own.</summary>
    private static async Task WaitUntilAcceptingAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        var waiting = Stopwatch.StartNew();
        while (!await AcceptsQueriesAsync(probe, cancellationToken))
        {
            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"The PostgreSQL server another process runs did not accept connections within {timeout}.");
            }

            await Task.Delay(ConnectRetryDelay, cancellationToken);
        }
    }

    private static async Task<bool> AcceptsQueriesAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CannotConnectNow)
        {
            return false; // Still starting up.
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            return false; // Not listening yet.
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ConnectionString(int port, string password, string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = database,
            Username = Superuser,
            Password = password,
        }.ConnectionString;
}
