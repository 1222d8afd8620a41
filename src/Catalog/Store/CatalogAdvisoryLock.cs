using Npgsql;

namespace OrleansTenants.Catalog.Store;

/// <summary>
/// A session-level advisory lock on the catalog, held until disposed: silos starting together on one catalog take
/// turns at start-up work that must happen once (setting up single mode, seeding the demo).
/// </summary>
public sealed class CatalogAdvisoryLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private CatalogAdvisoryLock(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        _key = key;
    }

    public static async Task<CatalogAdvisoryLock> AcquireAsync(CatalogDatabase catalog, long key, CancellationToken cancellationToken)
    {
        var connection = await catalog.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection);
            take.Parameters.AddWithValue(key);
            await take.ExecuteNonQueryAsync(cancellationToken);
            return new CatalogAdvisoryLock(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Released explicitly: a pooled connection would otherwise keep holding it while idle.
        try
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", _connection);
            release.Parameters.AddWithValue(_key);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
