using Npgsql;

namespace OrleansTenants.LoadTester;

internal static class NpgsqlConnectionExtensions
{
    /// <summary>Runs one statement without parameters (DDL, role and server settings).</summary>
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
