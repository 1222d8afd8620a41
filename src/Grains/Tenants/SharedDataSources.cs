using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// The silo's pools for databases that many tenants share, leased by the tenant activations on this silo:
/// reference-counted, keyed by database and settings (new credentials make a new pool), and disposed with
/// the last lease.
/// </summary>
public sealed class SharedDataSources(IOptions<TenantDataOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    internal DataSourceLease Lease(string databaseName, ConnectionSettings settings)
    {
        var key = $"{databaseName}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(settings.ToJson())))}";
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                entry = new Entry(TenantDataSourceFactory.Create(settings, $"orleans-tenants:{databaseName}", options.Value.SharedPoolSize, options.Value));
                _entries[key] = entry;
            }

            entry.Leases++;
            return new DataSourceLease(entry.DataSource, () => Release(key, entry), databaseName, settings);
        }
    }

    private ValueTask Release(string key, Entry entry)
    {
        lock (_lock)
        {
            if (--entry.Leases > 0)
            {
                return ValueTask.CompletedTask;
            }

            _entries.Remove(key);
        }

        return entry.DataSource.DisposeAsync();
    }

    private sealed class Entry(TenantDataSource dataSource)
    {
        public TenantDataSource DataSource { get; } = dataSource;

        public int Leases { get; set; }
    }
}

/// <summary>An activation's hold on a pool: its own, or a lease of a shared one. Disposing releases it.</summary>
internal sealed class DataSourceLease(TenantDataSource dataSource, Func<ValueTask> release, string databaseName, ConnectionSettings settings) : IAsyncDisposable
{
    public TenantDataSource DataSource { get; } = dataSource;

    public static DataSourceLease Own(TenantDataSource dataSource, string databaseName, ConnectionSettings settings) =>
        new(dataSource, dataSource.DisposeAsync, databaseName, settings);

    /// <summary>Whether this pool reaches that database with those settings (a pool made ahead of a configuration read later).</summary>
    public bool Serves(string database, ConnectionSettings connection) => database == databaseName && connection.ToJson() == settings.ToJson();

    public ValueTask DisposeAsync() => release();
}
