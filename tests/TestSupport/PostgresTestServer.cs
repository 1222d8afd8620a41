using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.TestSupport;

/// <summary>
/// One throwaway PostgreSQL server per test process, started on first use in a temporary directory, without
/// durability. It stops when the process exits, even when the test host is killed (the server's watchdog sees
/// to that); a directory the exit handler had no time to delete is deleted by the next run.
/// </summary>
public sealed class PostgresTestServer
{
    private const string DirectoryPrefix = "orleans-tenants-pg-";
    private static readonly Lazy<Task<PostgresTestServer>> Instance = new(StartAsync);

    private PostgresTestServer(EmbeddedPostgres server)
    {
        Server = server;
    }

    public EmbeddedPostgres Server { get; }

    public static Task<PostgresTestServer> GetAsync() => Instance.Value;

    /// <summary>A superuser connection string.</summary>
    public string GetConnectionString(string database = "postgres") => Server.GetConnectionString(database);

    public string GetConnectionString(string database, string username, string password) =>
        new NpgsqlConnectionStringBuilder(Server.GetConnectionString(database)) { Username = username, Password = password }.ConnectionString;

    /// <summary>Creates a database with a fresh unique name (prefix, then a GUID) and returns the name.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null, string? owner = null, CancellationToken ct = default)
    {
        var name = $"{NamePrefix(prefix)}_{Guid.NewGuid():N}";
        await ExecuteAsync($"CREATE DATABASE {QuoteIdentifier(name)}{(owner is null ? "" : " OWNER " + QuoteIdentifier(owner))}", ct);
        return name;
    }

    /// <summary>Drops the database, disconnecting whoever is still connected.</summary>
    public Task DropDatabaseAsync(string name, CancellationToken ct = default) =>
        ExecuteAsync($"DROP DATABASE IF EXISTS {QuoteIdentifier(name)} WITH (FORCE)", ct);

    private static async Task<PostgresTestServer> StartAsync()
    {
        DeleteLeftovers();
        var directory = new TemporaryDirectory($"{DirectoryPrefix}{Environment.ProcessId}-");
        var server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { RootDirectory = directory.Path, Durable = false }, NullLogger.Instance);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (server.StopAsync().Wait(TimeSpan.FromSeconds(30)))
            {
                directory.Dispose();
            }
        };
        return new PostgresTestServer(server);
    }

    // vstest kills the test host about 100 ms after the run, usually before the exit handler is done, and the
    // watchdog then stops the server but leaves its directory: delete those of test processes that are gone.
    private static void DeleteLeftovers()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var owner = Path.GetFileName(directory)[DirectoryPrefix.Length..].Split('-')[0];
            if (int.TryParse(owner, CultureInfo.InvariantCulture, out var processId) && !IsRunning(processId)
                && !File.Exists(Path.Combine(directory, "data", "postmaster.pid")))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                    // The test assemblies start together: another one is deleting the same leftover.
                }
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(GetConnectionString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    // Database names are at most 63 bytes; a GUID takes 32 of them.
    private static string NamePrefix(string? prefix)
    {
        var cleaned = new string((prefix ?? "test").ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(30).ToArray());
        return cleaned.Length == 0 ? "test" : cleaned;
    }

    private static string QuoteIdentifier(string identifier) =>
        '"' + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + '"';
}
