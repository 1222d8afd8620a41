using Npgsql;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>The pool for the cluster's coordination store (membership and grain directory).</summary>
internal sealed class ClusterDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
