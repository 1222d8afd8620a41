namespace OrleansTenants.Postgres.Migrations;

/// <summary>A migration set cannot be applied as it stands; the message names the file and the database.</summary>
public sealed class MigrationException : Exception
{
    public MigrationException(string message)
        : base(message)
    {
    }

    public MigrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
