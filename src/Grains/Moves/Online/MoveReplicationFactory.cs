using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Grains.Catalog;

namespace OrleansTenants.Grains.Moves.Online;

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

    private async Task<string> AsCatalogRoleAsync(string database, CancellationToken cancellationToken)
    {
        var catalogRole = new NpgsqlConnectionStringBuilder(catalogOptions.Value.RequiredConnectionString);
        return new NpgsqlConnectionStringBuilder((await databases.GetConnectionAsync(database, cancellationToken)).ConnectionString)
        {
            Username = catalogRole.Username,
            Password = catalogRole.Password,
            ApplicationName = "orleans-tenants:move",
            Timeout = 5,
        }.ConnectionString;
    }
}
