using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Catalog;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Cli.AdminApi;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Cli;

/// <summary>
/// <c>migrations apply</c>: there is no admin endpoint for it (a silo applies migrations when it starts), so the
/// CLI runs the silo's own code against the catalog: <see cref="SchemaMigrator.ApplyCatalogAsync"/>, then
/// <see cref="SchemaMigrator.ApplyTenantDatabasesAsync"/>, configured the usual .NET way from environment
/// variables (<c>ConnectionStrings__Catalog</c>, <c>Encryption__Keys__&lt;id&gt;</c>, <c>Encryption__ActiveKeyId</c>).
/// </summary>
internal static class MigrationsApply
{
    public static async Task<int> RunAsync(CliContext context, string? catalogOption, bool json, CancellationToken ct)
    {
        var configuration = BuildConfiguration(context, catalogOption);
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(CatalogOptions.ConnectionStringName)))
        {
            await context.Error.WriteLineAsync("error: no catalog database: pass --catalog <connection string> or set ConnectionStrings__Catalog.");
            return 1;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        // Logs (each applied migration, each failure) go to the error stream, so --json output stays JSON.
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(new WriterLoggerProvider(context.Error)));
        services.AddTenantCatalog(configuration);
        await using var provider = services.BuildServiceProvider();
        try
        {
            var migrator = provider.GetRequiredService<SchemaMigrator>();
            var applied = await migrator.ApplyCatalogAsync(ct);
            var failures = await migrator.ApplyTenantDatabasesAsync(ct);
            var status = await migrator.GetStatusAsync(ct);
            if (json)
            {
                await context.Output.WriteLineAsync(CliOutput.Indent(JsonSerializer.Serialize(status, CliJsonContext.Default.SchemaStatusReport)));
            }
            else
            {
                await context.Output.WriteLineAsync($"Catalog: {applied.Count} migration(s) applied now.");
                await context.Output.WriteLineAsync($"Tenant databases: {status.TenantDatabases.Count} known, {failures.Count} failed.");
                await context.Output.WriteLineAsync();
                CliCommands.WriteSchemaStatus(CliOutput.Create(context.Output), status);
            }

            foreach (var failure in failures)
            {
                await context.Error.WriteLineAsync($"error: tenant database {failure.Database}: {failure.Reason}");
            }

            return failures.Count == 0 ? 0 : 1;
        }
        catch (OptionsValidationException invalid)
        {
            await context.Error.WriteLineAsync($"error: encryption keys: {string.Join(" ", invalid.Failures)}");
            await context.Error.WriteLineAsync(
                $"hint: set Encryption__Keys__<id> (and Encryption__ActiveKeyId) as the silos have them; the embedded default keeps them in ./{CliContext.EncryptionKeyFile}.");
            return 1;
        }
        catch (MigrationException failed)
        {
            await context.Error.WriteLineAsync($"error: {failed.Message}");
            return 1;
        }
        catch (NpgsqlException unreachable)
        {
            await context.Error.WriteLineAsync($"error: the catalog database: {unreachable.Message}");
            return 1;
        }
        catch (ArgumentException invalid) when (invalid.TargetSite?.DeclaringType?.Namespace?.StartsWith("Npgsql", StringComparison.Ordinal) == true)
        {
            // An unparsable connection string; Npgsql's message names the keyword, never the password.
            await context.Error.WriteLineAsync($"error: the catalog connection string: {invalid.Message}");
            return 1;
        }
    }

    private static IConfiguration BuildConfiguration(CliContext context, string? catalogOption)
    {
        // The environment, read as AddEnvironmentVariables reads it ("__" for ":"), from the run's context.
        var settings = context.Environment
            .Where(v => v.Value is not null)
            .ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => v.Value, StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrWhiteSpace(catalogOption))
        {
            settings[$"ConnectionStrings:{CatalogOptions.ConnectionStringName}"] = catalogOption;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var keyFile = context.ResolvePath(CliContext.EncryptionKeyFile);
        if (!configuration.GetSection("Encryption:Keys").GetChildren().Any() && File.Exists(keyFile))
        {
            // The embedded default's generated key, as the silo started in this directory uses it.
            var options = EncryptionKeyFile.LoadOrCreate(keyFile).Options;
            settings["Encryption:ActiveKeyId"] = options.ActiveKeyId;
            foreach (var (id, key) in options.Keys)
            {
                settings[$"Encryption:Keys:{id}"] = key;
            }

            configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        }

        return configuration;
    }
}
