namespace OrleansTenants.Postgres.Migrations;

/// <summary>One numbered SQL script of a migration set.</summary>
/// <param name="Version">The number its file name starts with.</param>
/// <param name="FileName">The file name, used in errors and in <c>schema_migrations</c>.</param>
/// <param name="Sql">The script, run in one transaction.</param>
/// <param name="Checksum">Lower-case hex SHA-256 of the script's UTF-8 bytes.</param>
public sealed record Migration(int Version, string FileName, string Sql, string Checksum);
