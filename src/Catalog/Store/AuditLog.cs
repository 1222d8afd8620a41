using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OrleansTenants.Catalog.Store;

/// <summary>
/// Writes admin changes to <c>catalog.audit_log</c> inside the caller's transaction, so a change and
/// its audit row commit together. Callers pass names, ids and counts only, never secrets.
/// </summary>
public static class AuditLog
{
    public static async Task WriteAsync(
        NpgsqlConnection connection,
        string actor,
        string action,
        string target,
        IReadOnlyDictionary<string, object?>? details,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO catalog.audit_log (actor, action, target, details) VALUES (@actor, @action, @target, @details)",
            connection);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("action", action);
        command.Parameters.AddWithValue("target", target);
        command.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb)
        {
            Value = JsonSerializer.Serialize(details ?? new Dictionary<string, object?>()),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
