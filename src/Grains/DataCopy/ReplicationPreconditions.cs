using System.Data;
using System.Globalization;
using Npgsql;

namespace OrleansTenants.Grains.DataCopy;

/// <summary>
/// What an online move needs of its two servers, checked when it is asked for: logical WAL and free slots on the
/// source, logical replication workers on the target, PostgreSQL 15 (row filters), and a role that may publish,
/// replicate and subscribe. Workers busy with other moves are waited for, not refused: a copy that cannot start for too
/// long fails the move (<c>TenantData:CopyStallTimeout</c>).
/// </summary>
internal static class ReplicationPreconditions
{
    // The move's own slot and one for the initial copy of a table at a time.
    private const int SlotsNeeded = 2;

    public static async Task<IReadOnlyList<string>> CheckAsync(string source, string target, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        await CheckServerAsync(source, "source", missing, cancellationToken);
        await CheckServerAsync(target, "target", missing, cancellationToken);
        return missing;
    }

    private static async Task CheckServerAsync(string connectionString, string side, List<string> missing, CancellationToken cancellationToken)
    {
        var role = new NpgsqlConnectionStringBuilder(connectionString).Username;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                SELECT current_setting('wal_level') AS wal_level, current_setting('server_version_num')::int AS version, r.rolsuper,
                       current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots) AS free_slots,
                       current_setting('max_logical_replication_workers')::int AS workers
                FROM pg_roles r WHERE r.rolname = current_user
                """,
                connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var (walLevel, version, superuser, freeSlots, workers) = (reader.GetString("wal_level"), reader.GetInt32("version"), reader.GetBoolean("rolsuper"), reader.GetInt64("free_slots"), reader.GetInt32("workers"));
            if (version < 150000)
            {
                missing.Add($"the {side} server runs PostgreSQL {version / 10000}; row filters of logical replication need PostgreSQL 15 or later");
            }

            if (!superuser)
            {
                missing.Add($"the catalog's role '{role}' is not a superuser on the {side} server (PostgreSQL 15 requires one to create a subscription "
                    + "and to replicate every tenant table); grant it: ALTER ROLE ... SUPERUSER");
            }

            if (side == "source" && walLevel != "logical")
            {
                missing.Add($"the source server's wal_level is '{walLevel}'; set wal_level = logical in postgresql.conf and restart it");
            }

            if (side == "target" && workers < 1)
            {
                missing.Add("the target server's max_logical_replication_workers is 0, so no subscription there can run; raise it "
                    + "(with max_worker_processes) and restart the server");
            }

            if (side == "source" && freeSlots < SlotsNeeded)
            {
                missing.Add($"the source server has {freeSlots.ToString(CultureInfo.InvariantCulture)} free replication slot(s), an online move needs {SlotsNeeded}; "
                    + "raise max_replication_slots (and max_wal_senders) or wait for running moves to end");
            }
        }
        catch (NpgsqlException ex)
        {
            missing.Add($"the catalog's role '{role}' cannot open the {side} database ({(ex is PostgresException pg ? pg.SqlState + " " + pg.MessageText : "unreachable")})");
        }
    }
}
