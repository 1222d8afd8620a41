using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.TestSupport;

/// <summary>
/// An extra throwaway PostgreSQL server (not the shared <see cref="PostgresTestServer"/>) on a fixed loopback port, so
/// that a test can stop it and start it again where clients expect it. Disposing stops it and deletes its directory.
/// </summary>
public sealed class RestartablePostgres : IAsyncDisposable
{
    private readonly TemporaryDirectory? _ownedDirectory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private EmbeddedPostgres? _server;
    private string? _password;

    private RestartablePostgres(string rootDirectory, int port, TemporaryDirectory? ownedDirectory, ILogger logger)
    {
        RootDirectory = rootDirectory;
        Port = port;
        _ownedDirectory = ownedDirectory;
        _logger = logger;
    }

    public string RootDirectory { get; }

    public int Port { get; }

    /// <summary>The running server; throws while it is stopped.</summary>
    public EmbeddedPostgres Server => _server ?? throw new InvalidOperationException($"The server on port {Port} is stopped.");

    public bool IsRunning => _server is not null;

    /// <summary>Creates (initdb) and starts a server in a fresh temporary directory, deleted on dispose.</summary>
    public static Task<RestartablePostgres> StartNewAsync(ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var directory = new TemporaryDirectory("orleans-tenants-extra-pg-");
        return StartAsync(directory.Path, null, directory, logger, cancellationToken);
    }

    /// <summary>Starts a server on an existing root directory (one holding <c>data/</c> and <c>superuser.password</c>), or creates it there.</summary>
    public static Task<RestartablePostgres> StartAsync(string rootDirectory, int? port = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        StartAsync(rootDirectory, port, null, logger, cancellationToken);

    private static async Task<RestartablePostgres> StartAsync(string rootDirectory, int? port, TemporaryDirectory? owned, ILogger? logger, CancellationToken cancellationToken)
    {
        var server = new RestartablePostgres(rootDirectory, port ?? FreeLoopbackPort(), owned, logger ?? NullLogger.Instance);
        try
        {
            await server.StartAgainAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A superuser connection string (Host=127.0.0.1, the fixed port); valid while stopped too.</summary>
    public string GetConnectionString(string database = "postgres") =>
        _password is null
            ? throw new InvalidOperationException("The server never started.")
            : new Npgsql.NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = Port,
                Database = database,
                Username = "postgres",
                Password = _password,
            }.ConnectionString;

    /// <summary>Starts the server on its port again; nothing happens when it runs.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_server is not null)
            {
                return;
            }

            _server = await EmbeddedPostgres.StartAsync(
                new EmbeddedPostgresOptions { RootDirectory = RootDirectory, Port = Port, Durable = false }, _logger, cancellationToken);
            _password = new Npgsql.NpgsqlConnectionStringBuilder(_server.GetConnectionString()).Password;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server cleanly (fast shutdown: sessions are terminated); nothing happens when it is stopped.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_server is null)
            {
                return;
            }

            await _server.StopAsync(cancellationToken);
            _server = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _ownedDirectory?.Dispose();
        _gate.Dispose();
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
