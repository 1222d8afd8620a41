using System.Security.Cryptography;
using Npgsql;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.Silo.Embedded;

/// <summary>
/// The embedded default: with no <c>ConnectionStrings:Catalog</c> configured, a PostgreSQL server under
/// <c>./.data</c> holds the catalog, and the encryption key and admin key are generated there (mode 0600)
/// unless configured. Disposing stops the server.
/// </summary>
public sealed partial class EmbeddedCatalog : IAsyncDisposable
{
    public const string CatalogDatabaseName = "orleans_tenants";

    /// <summary>Names the directory holding postgres, initdb and pg_ctl when the default search would not find it.</summary>
    public const string PostgresBinDirectorySetting = "Embedded:PostgresBinDirectory";

    private EmbeddedCatalog(EmbeddedPostgres server, string dataDirectory)
    {
        Server = server;
        DataDirectory = dataDirectory;
    }

    public EmbeddedPostgres Server { get; }

    public string DataDirectory { get; }

    public string DemoKeysFile => Path.Combine(DataDirectory, "demo-keys.txt");

    /// <summary>The superuser connection to the catalog database; it also creates the demo databases.</summary>
    public string CatalogConnectionString => Server.GetConnectionString(CatalogDatabaseName);

    /// <summary>Starts the embedded server and fills in the configuration it implies; null when a catalog is configured.</summary>
    public static async Task<EmbeddedCatalog?> StartIfUnconfiguredAsync(ConfigurationManager configuration, ILogger logger, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(CatalogOptions.ConnectionStringName)))
        {
            return null;
        }

        var dataDirectory = Path.GetFullPath(configuration["Embedded:DataDirectory"] ?? ".data");
        Directory.CreateDirectory(dataDirectory);
        // Silos starting together in one directory take turns here, so the first writes the port, admin key and
        // master key files and the others read them, rather than each writing its own.
        await using var turn = await FileLock.AcquireAsync(Path.Combine(dataDirectory, "start.lock"), timeout: null, cancellationToken);
        LogStartingEmbedded(logger, dataDirectory);
        // The catalog stores connection strings with the port in them: a reused ./.data must get the same port back.
        var portFile = Path.Combine(dataDirectory, "postgres-port");
        int? port = File.Exists(portFile) ? int.Parse(File.ReadAllText(portFile).Trim(), System.Globalization.CultureInfo.InvariantCulture) : null;
        // Several silos started in one directory share its server: the first runs it, the others join.
        var options = new EmbeddedPostgresOptions
        {
            RootDirectory = Path.Combine(dataDirectory, "postgres"),
            Port = port,
            JoinRunningServer = true,
            BinDirectory = configuration[PostgresBinDirectorySetting],
        };
        options = options with { MaxConnections = configuration.GetValue("Embedded:MaxConnections", options.MaxConnections) };
        if (options.MaxConnections is < 20 or > 10_000)
        {
            throw new InvalidOperationException($"Embedded:MaxConnections must be between 20 and 10000; it is {options.MaxConnections}.");
        }

        var server = await EmbeddedPostgres.StartAsync(options, logger, cancellationToken);
        await File.WriteAllTextAsync(portFile, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        var embedded = new EmbeddedCatalog(server, dataDirectory);
        try
        {
            await embedded.EnsureCatalogDatabaseAsync(cancellationToken);
            configuration.AddInMemoryCollection(embedded.ImpliedSettings(configuration, logger));
            return embedded;
        }
        catch
        {
            await embedded.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private Dictionary<string, string?> ImpliedSettings(ConfigurationManager configuration, ILogger logger)
    {
        var settings = new Dictionary<string, string?> { [$"ConnectionStrings:{CatalogOptions.ConnectionStringName}"] = CatalogConnectionString };

        if (!configuration.GetSection("Encryption:Keys").GetChildren().Any())
        {
            var path = Path.Combine(DataDirectory, "encryption-keys.json");
            var keyFile = EncryptionKeyFile.LoadOrCreate(path);
            if (keyFile.Created)
            {
                LogKeyGenerated(logger, keyFile.Options.ActiveKeyId, path);
            }

            settings["Encryption:ActiveKeyId"] = keyFile.Options.ActiveKeyId;
            foreach (var (id, key) in keyFile.Options.Keys)
            {
                settings[$"Encryption:Keys:{id}"] = key;
            }
        }

        if (string.IsNullOrWhiteSpace(configuration["Admin:ApiKey"]))
        {
            settings["Admin:ApiKey"] = LoadOrCreateAdminKey(Path.Combine(DataDirectory, "admin-api-key"));
        }

        return settings;
    }

    private static string LoadOrCreateAdminKey(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var key = "ota_" + RandomNumberGenerator.GetHexString(48, lowercase: true);
        PrivateFile.Write(path, key);
        return key;
    }

    private async Task EnsureCatalogDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(Server.GetConnectionString());
        await using var exists = dataSource.CreateCommand("SELECT 1 FROM pg_database WHERE datname = $1");
        exists.Parameters.AddWithValue(CatalogDatabaseName);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = dataSource.CreateCommand($"CREATE DATABASE {CatalogDatabaseName}");
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No ConnectionStrings:Catalog configured: starting embedded PostgreSQL under {Directory}")]
    private static partial void LogStartingEmbedded(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated encryption key {KeyId} into {Path} (mode 0600); configure Encryption:Keys for production")]
    private static partial void LogKeyGenerated(ILogger logger, string? keyId, string path);
}
