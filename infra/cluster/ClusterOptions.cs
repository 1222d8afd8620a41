namespace OrleansTenants.ClusterLauncher;

/// <summary>What <see cref="LocalCluster"/> starts, and where.</summary>
public sealed record ClusterOptions
{
    /// <summary>Holds the secrets, the state file, the node logs and (embedded) the PostgreSQL server.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The built silo, <c>OrleansTenants.Silo.dll</c>.</summary>
    public required string SiloAssembly { get; init; }

    /// <summary>The built standalone Api, <c>OrleansTenants.Api.dll</c>; required with <see cref="StartApi"/>.</summary>
    public string? ApiAssembly { get; init; }

    public int Silos { get; init; } = 3;

    public bool StartApi { get; init; }

    /// <summary>The catalog database; null starts an embedded PostgreSQL under <c>DataDirectory/postgres</c>.</summary>
    public string? CatalogConnectionString { get; init; }

    /// <summary>Silo i (from 1) listens on BasePort + i - 1 and the Api on BasePort + Silos; 0 picks free ports.</summary>
    public int BasePort { get; init; }

    /// <summary>The host the nodes listen on and are reached at.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Extra command-line arguments for every silo, e.g. <c>--Orleans:Collection:CollectionAge=00:00:10</c>.</summary>
    public IReadOnlyList<string> SiloArguments { get; init; } = [];

    /// <summary>Extra environment variables for every node.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>fsync and synchronous commit on for the embedded server (off by default: a throwaway load-test server).</summary>
    public bool DurablePostgres { get; init; }

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a node may take to exit after SIGTERM before it gets SIGKILL.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Write <c>cluster.json</c> (pids, addresses) into the data directory for <c>status</c> and <c>stop</c>.</summary>
    public bool WriteStateFile { get; init; } = true;
}
