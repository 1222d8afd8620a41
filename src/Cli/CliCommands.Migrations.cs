using System.CommandLine;
using OrleansTenants.Catalog.Schema;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary><c>migrations</c>: where the schemas stand, and applying pending migrations.</summary>
internal sealed partial class CliCommands
{
    private Command Migrations()
    {
        var migrations = new Command("migrations", "Schema migrations of the catalog and every tenant database.");

        var status = new Command("status", "Show where the catalog and each registered tenant database stand (over the admin API).");
        Admin(status, async (s, _, ct) =>
        {
            var response = await s.Client.GetSchemaStatusAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            WriteSchemaStatus(s.Console, response.Value);
            return 0;
        });

        var catalog = new Option<string>("--catalog")
        {
            Description = "Catalog connection string, as the owner role (default: ConnectionStrings__Catalog). Encryption keys come from Encryption__Keys__<id> / Encryption__ActiveKeyId, else ./" + CliContext.EncryptionKeyFile + ".",
        };
        var apply = new Command("apply", "Apply pending migrations directly, as a starting silo does: the catalog, then every tenant database it knows.") { catalog };
        apply.SetAction((p, ct) => MigrationsApply.RunAsync(_context, p.GetValue(catalog), p.GetValue(_json), ct));

        migrations.Subcommands.Add(status);
        migrations.Subcommands.Add(apply);
        return migrations;
    }

    /// <summary>One row per database: the catalog first, then every registered tenant database.</summary>
    internal static void WriteSchemaStatus(IAnsiConsole console, SchemaStatusReport report)
    {
        var table = console.Table("DATABASE", "SET", "CURRENT", "LATEST", "PENDING");
        var catalog = report.Catalog;
        table.Row(catalog.Database, "catalog", CliOutput.Number(catalog.CurrentVersion), CliOutput.Number(catalog.LatestVersion), Pending(catalog.Pending));
        var behind = catalog.Pending.Count > 0 ? 1 : 0;
        var failed = 0;
        foreach (var database in report.TenantDatabases.OrderBy(d => d.Database, StringComparer.Ordinal))
        {
            if (database.Status is { } status)
            {
                table.Row(database.Database, "tenant", CliOutput.Number(status.CurrentVersion), CliOutput.Number(status.LatestVersion), Pending(status.Pending));
                behind += status.Pending.Count > 0 ? 1 : 0;
            }
            else
            {
                table.Row(database.Database, "tenant", "?", "?", "unreachable: " + database.Error);
                failed++;
            }
        }

        console.Write(table);
        console.WriteLine();
        console.WriteLine(behind == 0 && failed == 0
            ? "All databases are current."
            : $"{behind} database(s) behind, {failed} unreachable. A starting silo applies pending migrations; so does `migrations apply`.");
    }

    private static string Pending(IReadOnlyList<string> pending) =>
        pending.Count == 0 ? "0" : $"{pending.Count} ({string.Join(", ", pending)})";
}
