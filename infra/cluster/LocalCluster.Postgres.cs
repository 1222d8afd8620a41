using Npgsql;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.ClusterLauncher;

/// <summary>The PostgreSQL server a cluster starts and owns when it is given no catalog.</summary>
public sealed partial class LocalCluster
{
    /// <summary>Starts the embedded server under <c>DataDirectory/postgres</c> and creates the catalog database on it.</summary>
    private static async Task<EmbeddedPostgres> StartPostgresAsync(ClusterOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        // The catalog stores connection strings with the server's port in them (registered databases, tenant
        // settings): the server keeps the port it got on its first start.
        var portFile = Path.Combine(options.DataDirectory, "postgres-port");
        int? port = File.Exists(portFile) && int.TryParse(File.ReadAllText(portFile).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var saved)
            ? saved
            : null;
        EmbeddedPostgres postgres;
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

        return postgres;
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
