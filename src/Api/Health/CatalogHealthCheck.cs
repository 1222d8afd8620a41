using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Api.Health;

/// <summary>Ready when the catalog answers and its schema is at the version this build expects.</summary>
public sealed class CatalogHealthCheck(CatalogDatabase catalog, MigrationRunner runner) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await runner.GetStatusAsync(catalog.DataSource, SchemaMigrations.Catalog, cancellationToken);
            return status.IsCurrent
                ? HealthCheckResult.Healthy($"catalog at version {status.CurrentVersion}")
                : HealthCheckResult.Unhealthy($"catalog at version {status.CurrentVersion}, {status.Pending.Count} migration(s) pending");
        }
        catch (NpgsqlException ex)
        {
            // /readyz answers anyone: the error's kind only, not the message (it can name hosts and addresses).
            return HealthCheckResult.Unhealthy(ex is PostgresException postgres ? $"catalog unavailable (SQLSTATE {postgres.SqlState})" : "catalog unreachable");
        }
    }
}
