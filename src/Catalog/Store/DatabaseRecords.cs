namespace OrleansTenants.Catalog.Store;

/// <summary>A database to register (shards are registered shared, then grouped into a shard set). <paramref name="MigrationConnectionString"/> is the owner role tenant migrations run as; null: the application connection.</summary>
public sealed record DatabaseRegistration(
    string Name,
    string Kind,
    ConnectionSettings Connection,
    string? MigrationConnectionString = null)
{
    public override string ToString() => $"DatabaseRegistration {{ Name = {Name}, Kind = {Kind} }}";
}
