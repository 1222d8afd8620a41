using System.Diagnostics;
using Npgsql;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Postgres;

namespace OrleansTenants.Grains.Tenants;

public sealed partial class TenantGrain
{
    /// <summary>Connects and queries through the activation's own pool, and checks row-level security is forced on every CRM table.</summary>
    public async Task<TenantHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var shared = await _lifecycle.ReaderLockAsync(cancellationToken);
        if (_configuration is null || _lease is null)
        {
            return new TenantHealth(false, false, false, 0, "The tenant does not exist.");
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await _lease.DataSource.Primary.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) = count(*) FILTER (WHERE c.relrowsecurity AND c.relforcerowsecurity) AND count(*) > 0 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'crm' AND c.relkind = 'r'",
                connection);
            var rls = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
            return new TenantHealth(true, true, rls, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (NpgsqlException ex)
        {
            // Connected means a session was established: a server that refuses our credentials or lacks the database did not give one.
            var connected = ex is PostgresException && !DatabaseErrors.IsUnavailable(ex);
            return new TenantHealth(connected, false, false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, DatabaseErrors.Describe(ex));
        }
    }
}
