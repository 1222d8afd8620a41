using System.Collections.Concurrent;
using Npgsql;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.LoadTester.Baselines;

/// <summary>Where a request's tenant lives: the pool to use and the tenant's id inside its data.</summary>
internal readonly record struct TenantLease(NpgsqlDataSource DataSource, string DataTenantId);

internal enum LeaseOutcome
{
    Ok,
    UnknownTenant,
    Unauthorized,
}

/// <summary>How a baseline finds a tenant's pool (the part each design does differently).</summary>
internal interface ITenantBackend : IAsyncDisposable
{
    ValueTask<(LeaseOutcome Outcome, TenantLease Lease)> AcquireAsync(string tenantId, string? apiKey, CancellationToken cancellationToken);
}

/// <summary>
/// The baselines' pools, built like the grain design's (<c>TenantDataSourceFactory</c> in src/Grains, with the
/// <see cref="TenantDataOptions"/> defaults the silos run with), so that the designs differ in how they find a
/// tenant's pool and not in how the pool talks to PostgreSQL: the same connect timeout, command timeout and
/// automatic preparation of up to 64 statements. The pool size is the caller's, again as in the grain design.
/// Replicas are left out: the load test registers none.
/// </summary>
internal static class BaselineDataSource
{
    public static TenantDataOptions Options { get; } = new();

    public static NpgsqlDataSource Create(string connectionString, string applicationName, int maxPoolSize) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = applicationName,
            MaxPoolSize = maxPoolSize,
            Timeout = Math.Max(1, (int)Options.ConnectTimeout.TotalSeconds),
            CommandTimeout = Math.Max(1, (int)Options.StatementTimeout.TotalSeconds) + 2,
            MaxAutoPrepare = 64,
        }.ConnectionString);
}

/// <summary>
/// The floor: every tenant's settings read once at start-up, one <see cref="NpgsqlDataSource"/> per distinct
/// connection settings (that is, per database) of the grain design's shared-pool size, nothing refreshed, no API
/// key check, no limits: no tenancy logic.
/// </summary>
internal sealed class DirectBackend : ITenantBackend
{
    private readonly Dictionary<string, TenantLease> _tenants;
    private readonly List<NpgsqlDataSource> _dataSources;

    private DirectBackend(Dictionary<string, TenantLease> tenants, List<NpgsqlDataSource> dataSources)
    {
        _tenants = tenants;
        _dataSources = dataSources;
    }

    public static int PoolSize => BaselineDataSource.Options.SharedPoolSize;

    public static async Task<DirectBackend> CreateAsync(CatalogDatabase catalog, TenantConfigurationLoader loader, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await using (var connection = await catalog.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand("SELECT id FROM catalog.tenants ORDER BY id", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }

        var configurations = new ConcurrentDictionary<string, TenantConfiguration>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            if (await loader.LoadAsync(id, ct) is { } configuration)
            {
                configurations[id] = configuration;
            }
        });

        var pools = new Dictionary<string, NpgsqlDataSource>(StringComparer.Ordinal);
        var tenants = new Dictionary<string, TenantLease>(StringComparer.Ordinal);
        foreach (var (id, configuration) in configurations)
        {
            var connectionString = configuration.Connection.ConnectionString;
            if (!pools.TryGetValue(connectionString, out var pool))
            {
                pool = BaselineDataSource.Create(connectionString, "direct:" + configuration.Tenant.DatabaseName, PoolSize);
                pools[connectionString] = pool;
            }

            tenants[id] = new TenantLease(pool, configuration.Tenant.DataTenantId);
        }

        return new DirectBackend(tenants, [.. pools.Values]);
    }

    public ValueTask<(LeaseOutcome, TenantLease)> AcquireAsync(string tenantId, string? apiKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_tenants.TryGetValue(tenantId, out var lease) ? (LeaseOutcome.Ok, lease) : (LeaseOutcome.UnknownTenant, default(TenantLease)));

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _dataSources)
        {
            await pool.DisposeAsync();
        }
    }
}

/// <summary>
/// The design the platform replaces, built as such systems usually are: a per-process singleton that caches each
/// tenant's configuration (settings and API-key hashes) for 5 minutes and a client (a pool of its own) per tenant for
/// 1 hour, at most 50 clients (the least recently used one is disposed when a 51st is made), a cleanup timer that
/// drops expired entries every minute, and a "clear cache" call that clears the tenant in this process only. Clients
/// are keyed by tenant id, so a client outlives a configuration refresh; with a key that included the settings the
/// stale window would be the 5-minute configuration TTL instead of the 1-hour client TTL. Concurrent misses each load
/// the configuration; nothing coordinates processes.
/// </summary>
internal sealed class TtlCacheBackend : ITenantBackend
{
    public static readonly TimeSpan ConfigTtl = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ClientTtl = TimeSpan.FromHours(1);
    public static readonly TimeSpan CleanupPeriod = TimeSpan.FromMinutes(1);
    public const int MaxClients = 50;

    private readonly TenantConfigurationLoader _loader;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ConfigEntry> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientEntry> _clients = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly ITimer _cleanup;
    private long _configLoads;
    private long _clientsCreated;
    private long _clientsEvicted;

    public TtlCacheBackend(TenantConfigurationLoader loader, TimeProvider time)
    {
        _loader = loader;
        _time = time;
        _cleanup = time.CreateTimer(_ => Cleanup(), null, CleanupPeriod, CleanupPeriod);
    }

    public object Stats
    {
        get
        {
            lock (_lock)
            {
                return new { configs = _configs.Count, clients = _clients.Count, configLoads = Interlocked.Read(ref _configLoads), clientsCreated = _clientsCreated, clientsEvicted = _clientsEvicted };
            }
        }
    }

    public async ValueTask<(LeaseOutcome, TenantLease)> AcquireAsync(string tenantId, string? apiKey, CancellationToken cancellationToken)
    {
        var configuration = await GetConfigurationAsync(tenantId, cancellationToken);
        if (configuration is null)
        {
            return (LeaseOutcome.UnknownTenant, default);
        }

        if (apiKey is null || !configuration.ApiKeyHashes.Contains(Convert.ToHexStringLower(ApiKeyCatalog.Hash(apiKey))))
        {
            return (LeaseOutcome.Unauthorized, default);
        }

        return (LeaseOutcome.Ok, new TenantLease(GetClient(tenantId, configuration), configuration.Tenant.DataTenantId));
    }

    /// <summary>The "clear cache" call: forgets the tenant's configuration and client, in this process.</summary>
    public void Clear(string tenantId)
    {
        _configs.TryRemove(tenantId, out _);
        ClientEntry? removed;
        lock (_lock)
        {
            _clients.Remove(tenantId, out removed);
        }

        if (removed is not null)
        {
            _ = removed.DataSource.DisposeAsync().AsTask();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cleanup.DisposeAsync();
        List<ClientEntry> clients;
        lock (_lock)
        {
            clients = [.. _clients.Values];
            _clients.Clear();
        }

        foreach (var client in clients)
        {
            await client.DataSource.DisposeAsync();
        }
    }

    private async ValueTask<TenantConfiguration?> GetConfigurationAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_configs.TryGetValue(tenantId, out var cached) && now - cached.LoadedAt < ConfigTtl)
        {
            return cached.Configuration;
        }

        Interlocked.Increment(ref _configLoads);
        var configuration = await _loader.LoadAsync(tenantId, cancellationToken);
        if (configuration is not null)
        {
            _configs[tenantId] = new ConfigEntry(configuration, now);
        }

        return configuration;
    }

    private NpgsqlDataSource GetClient(string tenantId, TenantConfiguration configuration)
    {
        var now = _time.GetUtcNow();
        List<ClientEntry> evicted = [];
        NpgsqlDataSource client;
        lock (_lock)
        {
            if (_clients.TryGetValue(tenantId, out var cached) && now - cached.CreatedAt < ClientTtl)
            {
                cached.LastUsed = now;
                return cached.DataSource;
            }

            if (cached is not null)
            {
                evicted.Add(cached);
            }

            client = BaselineDataSource.Create(configuration.Connection.ConnectionString, "ttl-cache:" + tenantId, configuration.Tenant.MaxPoolSize);
            _clients[tenantId] = new ClientEntry(client, now) { LastUsed = now };
            _clientsCreated++;
            while (_clients.Count > MaxClients)
            {
                var oldest = _clients.MinBy(kv => kv.Value.LastUsed);
                _clients.Remove(oldest.Key);
                evicted.Add(oldest.Value);
                _clientsEvicted++;
            }
        }

        foreach (var old in evicted)
        {
            // As such caches do: a request that took the client a moment ago may still be about to use it.
            _ = old.DataSource.DisposeAsync().AsTask();
        }

        return client;
    }

    private void Cleanup()
    {
        var now = _time.GetUtcNow();
        foreach (var (tenantId, entry) in _configs)
        {
            if (now - entry.LoadedAt >= ConfigTtl)
            {
                _configs.TryRemove(new KeyValuePair<string, ConfigEntry>(tenantId, entry));
            }
        }

        List<ClientEntry> expired;
        lock (_lock)
        {
            expired = [.. _clients.Values.Where(c => now - c.CreatedAt >= ClientTtl)];
            foreach (var key in _clients.Where(kv => now - kv.Value.CreatedAt >= ClientTtl).Select(kv => kv.Key).ToList())
            {
                _clients.Remove(key);
            }
        }

        foreach (var client in expired)
        {
            _ = client.DataSource.DisposeAsync().AsTask();
        }
    }

    private sealed record ConfigEntry(TenantConfiguration Configuration, DateTimeOffset LoadedAt);

    private sealed record ClientEntry(NpgsqlDataSource DataSource, DateTimeOffset CreatedAt)
    {
        public DateTimeOffset LastUsed { get; set; }
    }
}
