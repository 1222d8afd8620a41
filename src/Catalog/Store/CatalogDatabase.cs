using Npgsql;

namespace OrleansTenants.Catalog.Store;

/// <summary>
/// The catalog's pool. A named wrapper rather than a bare <see cref="NpgsqlDataSource"/> in DI,
/// so that it cannot be confused with a tenant database's pool.
/// </summary>
public sealed class CatalogDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
