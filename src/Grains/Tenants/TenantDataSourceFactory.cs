using Npgsql;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Builds the pool for a database: a plain data source, or with replicas Npgsql's multi-host data source,
/// whose standby-preferring view sends reads to a healthy replica and falls back to the primary.
/// </summary>
internal static class TenantDataSourceFactory
{
    public static TenantDataSource Create(ConnectionSettings settings, string applicationName, int maxPoolSize, TenantDataOptions options)
    {
        var primary = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            ApplicationName = applicationName,
            MaxPoolSize = maxPoolSize,
            Timeout = Math.Max(1, (int)options.ConnectTimeout.TotalSeconds),
            CommandTimeout = Math.Max(1, (int)options.StatementTimeout.TotalSeconds) + 2,

            // The registry produces a small, fixed set of statements per resource: worth preparing.
            MaxAutoPrepare = 64,
        };

        if (settings.Replicas.Count == 0)
        {
            var dataSource = NpgsqlDataSource.Create(primary.ConnectionString);
            return new TenantDataSource(dataSource, dataSource, dataSource, null);
        }

        // One multi-host pool over primary and replicas; the hosts must share the credentials of the primary.
        var hosts = new[] { HostOf(primary) }.Concat(settings.Replicas.Select(r => HostOf(new NpgsqlConnectionStringBuilder(r))));
        primary.Host = string.Join(',', hosts);
        primary.HostRecheckSeconds = 2;
        var multiHost = new NpgsqlDataSourceBuilder(primary.ConnectionString).BuildMultiHost();
        var writes = multiHost.WithTargetSession(TargetSessionAttributes.Primary);
        var reads = multiHost.WithTargetSession(TargetSessionAttributes.PreferStandby);
        return new TenantDataSource(multiHost, writes, reads, new ReplicaLagMonitor(writes, reads, options.MaxReplicaLagBytes, options.ReplicaLagCheckInterval));
    }

    private static string HostOf(NpgsqlConnectionStringBuilder builder) => $"{builder.Host}:{builder.Port}";
}

/// <summary>A database's pool with its write (primary) and read (standby preferred) views; disposing closes the pool.</summary>
internal sealed class TenantDataSource(NpgsqlDataSource owner, NpgsqlDataSource primary, NpgsqlDataSource reads, ReplicaLagMonitor? lag) : IAsyncDisposable
{
    public NpgsqlDataSource Primary { get; } = primary;

    /// <summary>Where a read goes: a replica when there is one that keeps up, else the primary.</summary>
    public NpgsqlDataSource ForReads() => lag is not null && lag.ReplicasUsable() ? reads : Primary;

    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
