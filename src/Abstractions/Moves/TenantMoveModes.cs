namespace OrleansTenants.Abstractions.Moves;

/// <summary>How a move copies: <c>online</c> by logical replication while the tenant serves, <c>offline</c> in one exclusive turn.</summary>
public static class TenantMoveModes
{
    public const string Online = "online";
    public const string Offline = "offline";
}
