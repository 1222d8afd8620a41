using System.Data;
using Npgsql;

namespace OrleansTenants.Postgres.Migrations;

/// <summary>The <c>public.schema_migrations</c> table: one row per applied script, per set.</summary>
internal static class MigrationHistorySql
{
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS public.schema_migrations (
            migration_set text NOT NULL,
            version integer NOT NULL,
            file_name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (migration_set, version)
        )
        """;

    public static async Task<IReadOnlyList<AppliedMigration>> ReadAsync(NpgsqlConnection connection, string set, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('public.schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return [];
            }
        }

        await using var command = new NpgsqlCommand(
            "SELECT version, file_name, checksum, applied_at FROM public.schema_migrations WHERE migration_set = @set ORDER BY version",
            connection);
        command.Parameters.AddWithValue("set", set);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AppliedMigration>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AppliedMigration(reader.GetInt32("version"), reader.GetString("file_name"), reader.GetString("checksum"), reader.GetFieldValue<DateTimeOffset>("applied_at")));
        }

        return rows;
    }

    public static async Task RecordAsync(NpgsqlConnection connection, string set, Migration migration, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO public.schema_migrations (migration_set, version, file_name, checksum) VALUES (@set, @version, @file, @checksum)",
            connection);
        command.Parameters.AddWithValue("set", set);
        command.Parameters.AddWithValue("version", migration.Version);
        command.Parameters.AddWithValue("file", migration.FileName);
        command.Parameters.AddWithValue("checksum", migration.Checksum);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
