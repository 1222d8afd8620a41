namespace OrleansTenants.Postgres.Embedded;

/// <summary>No directory holding the PostgreSQL server programs was found.</summary>
public sealed class PostgresBinariesNotFoundException : EmbeddedPostgresSetupException
{
    public PostgresBinariesNotFoundException()
        : this([])
    {
    }

    public PostgresBinariesNotFoundException(string message)
        : base(message)
    {
        SearchedDirectories = [];
    }

    public PostgresBinariesNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        SearchedDirectories = [];
    }

    internal PostgresBinariesNotFoundException(IReadOnlyList<string> searchedDirectories)
        : base(
            $"The PostgreSQL server programs ({string.Join(", ", PostgresBinaries.RequiredPrograms)}) were not found. "
            + "Install the Debian/Ubuntu package 'postgresql' (apt-get install -y postgresql) or name the directory that holds them. "
            + $"Looked in: {(searchedDirectories.Count == 0 ? "(nowhere)" : string.Join(", ", searchedDirectories))}")
    {
        SearchedDirectories = searchedDirectories;
    }

    public IReadOnlyList<string> SearchedDirectories { get; }
}
