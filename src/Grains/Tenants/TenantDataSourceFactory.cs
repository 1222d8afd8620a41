using Npgsql;
using OrleansTenants.Grains.Catalog;

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
        };

        if (settings.Replicas.Count == 0)
        {
            var dataSource = NpgsqlDataSource.Create(primary.ConnectionString);
            return new TenantDataSource(dataSource, dataSource, dataSource);
        }

        // One multi-host pool over primary and replicas; the hosts must share the credentials of the primary.
        var hosts = new[] { HostOf(primary) }.Concat(settings.Replicas.Select(r => HostOf(new NpgsqlConnectionStringBuilder(r))));
        primary.Host = string.Join(',', hosts);
        primary.HostRecheckSeconds = 2;
        var multiHost = new NpgsqlDataSourceBuilder(primary.ConnectionString).BuildMultiHost();
        return new TenantDataSource(
            multiHost,
            multiHost.WithTargetSession(TargetSessionAttributes.Primary),
            multiHost.WithTargetSession(TargetSessionAttributes.PreferStandby));
    }

    private static string HostOf(NpgsqlConnectionStringBuilder builder) => $"{builder.Host}:{builder.Port}";
}

/// <summary>A database's pool with its write (primary) and read (standby preferred) views; disposing closes the pool.</summary>
internal sealed class TenantDataSource(NpgsqlDataSource owner, NpgsqlDataSource primary, NpgsqlDataSource reads) : IAsyncDisposable
{
    public NpgsqlDataSource Primary { get; } = primary;

    public NpgsqlDataSource Reads { get; } = reads;

    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
