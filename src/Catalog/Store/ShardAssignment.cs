using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansTenants.Catalog.Store;

/// <summary>
/// Picks a tenant's shard at creation. The choice is recorded in the catalog, so the hash only has
/// to be stable and evenly spread, not to stay valid when shards are added.
/// </summary>
public static class ShardAssignment
{
    public static int Pick(string tenantId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(tenantId));
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)shardCount);
    }
}
