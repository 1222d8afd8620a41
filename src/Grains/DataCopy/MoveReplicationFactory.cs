using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Grains.DataCopy;

/// <summary>
/// Reaches the two databases of an online move as the catalog's role: replication needs more than a tenant database's
/// own roles hold (a publication, a slot, a subscription), and the catalog's role is the platform's administrator.
/// Host, port and database come from each database's registered connection; the role and password from the catalog's.
/// </summary>
public sealed class MoveReplicationFactory(DatabaseCatalog databases, IOptions<CatalogOptions> catalogOptions)
{
    internal async Task<TenantReplication> CreateAsync(TenantMove move, string dataTenantId, CancellationToken cancellationToken) =>
        new(await AsCatalogRoleAsync(move.FromDatabase, cancellationToken), await AsCatalogRoleAsync(move.ToDatabase, cancellationToken), dataTenantId, move.Id);

    /// <summary>What keeps a move between these databases from running online, in words a person can act on; empty when nothing.</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(string fromDatabase, string toDatabase, CancellationToken cancellationToken) =>
        await ReplicationPreconditions.CheckAsync(
            await AsCatalogRoleAsync(fromDatabase, cancellationToken), await AsCatalogRoleAsync(toDatabase, cancellationToken), cancellationToken);

    /// <summary>As <see cref="CheckAsync(string, string, CancellationToken)"/>, for a target not registered yet (a dedicated database the move will set up).</summary>
    public async Task<IReadOnlyList<string>> CheckNewTargetAsync(string fromDatabase, string targetConnectionString, CancellationToken cancellationToken) =>
        await ReplicationPreconditions.CheckAsync(await AsCatalogRoleAsync(fromDatabase, cancellationToken), AsCatalogRole(targetConnectionString), cancellationToken);

    /// <summary>The tenant's rows in a registered database, table by table, counted as the catalog's role (RLS does not hide them).</summary>
    public async Task<IReadOnlyList<TableRows>> CountRowsAsync(string database, string dataTenantId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await AsCatalogRoleAsync(database, cancellationToken));
        await connection.OpenAsync(cancellationToken);
        return await TenantRowCounts.CountAsync(connection, dataTenantId, cancellationToken);
    }

    private async Task<string> AsCatalogRoleAsync(string database, CancellationToken cancellationToken) =>
        AsCatalogRole((await databases.GetConnectionAsync(database, cancellationToken)).ConnectionString);

    private string AsCatalogRole(string connectionString)
    {
        var catalogRole = new NpgsqlConnectionStringBuilder(catalogOptions.Value.ConnectionString);
        return new NpgsqlConnectionStringBuilder(connectionString)
        {
            Username = catalogRole.Username,
            Password = catalogRole.Password,
            ApplicationName = "orleans-tenants:move",
            Timeout = 5,
        }.ConnectionString;
    }
}
