namespace OrleansTenants.Postgres.Migrations;

/// <summary>Where one database stands in one migration set.</summary>
public sealed record MigrationStatus(
    string Database,
    string Set,
    int CurrentVersion,
    int LatestVersion,
    IReadOnlyList<AppliedMigration> Applied,
    IReadOnlyList<string> Pending)
{
    public bool IsCurrent => Pending.Count == 0;
}

/// <summary>A row of <c>schema_migrations</c>.</summary>
public sealed record AppliedMigration(int Version, string FileName, string Checksum, DateTimeOffset AppliedAt);
