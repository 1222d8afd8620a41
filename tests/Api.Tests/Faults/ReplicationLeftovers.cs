using System.Text.Json;
using FluentAssertions;
using Npgsql;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>What an online move's logical replication could leave behind: its slot, its subscription, its publication.</summary>
internal static class ReplicationLeftovers
{
    /// <param name="source">
    /// A superuser connection to the move's source database, where its publication lives; slots and subscriptions are
    /// seen from any database of the server.
    /// </param>
    public static async Task ShouldBeNoneAsync(string source, JsonElement move)
    {
        var name = $"ot_move_{move.GetProperty("id").GetGuid():N}";
        await using var connection = new NpgsqlConnection(source);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1) + (SELECT count(*) FROM pg_subscription WHERE subname = $1) "
            + "+ (SELECT count(*) FROM pg_publication WHERE pubname = $1)",
            connection);
        command.Parameters.AddWithValue(name);
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(0, $"nothing of {name} is left");
    }
}
