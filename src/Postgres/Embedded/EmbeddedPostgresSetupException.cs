namespace OrleansTenants.Postgres.Embedded;

/// <summary>
/// The machine cannot run the embedded server as it is (programs missing, a directory the server account cannot
/// reach, a cluster without its password). The message names the cause and the fix, for a person to read.
/// </summary>
public class EmbeddedPostgresSetupException : Exception
{
    public EmbeddedPostgresSetupException()
    {
    }

    public EmbeddedPostgresSetupException(string message)
        : base(message)
    {
    }

    public EmbeddedPostgresSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
