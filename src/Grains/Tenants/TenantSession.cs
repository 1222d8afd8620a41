using System.Globalization;
using Npgsql;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Opens a tenant's unit of work: <c>app.tenant_id</c> for row-level security and a statement timeout, both
/// transaction-local so a pooled connection carries neither to its next user.
/// </summary>
internal static class TenantSession
{
    public static async Task BeginAsync(NpgsqlConnection connection, string tenantId, TimeSpan statementTimeout, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)", connection);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(((long)statementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
