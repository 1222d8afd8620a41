namespace OrleansTenants.Postgres.Embedded;

/// <summary>Where and how <see cref="EmbeddedPostgres"/> runs a private PostgreSQL server.</summary>
public sealed record EmbeddedPostgresOptions
{
    /// <summary>Holds <c>data/</c> (PGDATA), the superuser password file and <c>postgres.log</c>.</summary>
    public required string RootDirectory { get; init; }

    /// <summary>The loopback port; null picks a free one on each start.</summary>
    public int? Port { get; init; }

    /// <summary>False trades crash safety for speed (fsync, synchronous_commit and full_page_writes off): for tests.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>
    /// The server's connection limit (applied at each start). Every silo holds catalog and cluster pools and the
    /// tenants' database pools besides, so a cluster of several silos needs more than PostgreSQL's default 100.
    /// </summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>
    /// When another live process already runs this cluster's server (several silos started in one directory), use
    /// that server instead of stopping it; the server then lives as long as the process that started it.
    /// </summary>
    public bool JoinRunningServer { get; init; }

    /// <summary>The directory holding postgres, initdb and pg_ctl; null searches for them.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>Replaces the default search for the binaries (see <see cref="PostgresBinaries.Locate"/>).</summary>
    public IReadOnlyList<string>? BinSearchDirectories { get; init; }

    /// <summary>How long to wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
