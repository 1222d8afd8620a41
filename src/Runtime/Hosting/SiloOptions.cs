namespace OrleansTenants.Runtime.Hosting;

/// <summary>Silo settings, bound from the <c>Silo</c> configuration section.</summary>
public sealed class SiloOptions
{
    public const string SectionName = "Silo";

    /// <summary>The PostgreSQL database that holds membership and the grain directory.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The secret every silo and cluster client presents on the silos' internal endpoint; the same on all of them.
    /// Default (null): the random secret the first silo stores in the cluster database, which every process reads there.
    /// </summary>
    public string? ClusterSecret { get; set; }

    /// <summary>A name for logs and the cluster view; default: machine name and process id.</summary>
    public string? SiloName { get; set; }

    /// <summary>The host other silos and clients reach this silo's internal endpoint at.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>The internal HTTP/2 port; 0 picks a free one, advertised through the membership table.</summary>
    public int InternalPort { get; set; }

    /// <summary>This silo's public base URL for the cluster view; default: the first address the web server bound.</summary>
    public string? PublicUrl { get; set; }

    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A member whose heartbeat is older than this is declared dead by its peers.</summary>
    public TimeSpan DeathTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often membership is read and stale members are looked for.</summary>
    public TimeSpan ProbePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An activation idle this long is deactivated.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Width of the collector's time buckets, and how often it scans.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long each lifecycle step may take: activating (directory registration and OnActivateAsync), OnDeactivateAsync,
    /// disposing, and removing the directory entry. Past it the step's token is cancelled and the runtime stops waiting.
    /// </summary>
    public TimeSpan LifecycleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a deactivation (idle, explicit, shutdown, declared dead) waits for running calls before OnDeactivateAsync
    /// runs anyway. Well under the host's shutdown timeout (30 s by default), so that OnDeactivateAsync still runs at shutdown.
    /// </summary>
    public TimeSpan DeactivationDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a dead silo stays in the membership table before the silos delete its row.</summary>
    public TimeSpan DefunctSiloRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often each silo deletes dead silos older than <see cref="DefunctSiloRetention"/>.</summary>
    public TimeSpan DefunctSiloCleanupPeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many times a call follows a "not here, try X" answer.</summary>
    public int MaxForwardHops { get; set; } = 3;

    /// <summary><c>rendezvous</c> (hash over live silos) or <c>prefer-local</c> (activate where the call starts).</summary>
    public string Placement { get; set; } = PlacementNames.Rendezvous;
}

public static class PlacementNames
{
    public const string Rendezvous = "rendezvous";
    public const string PreferLocal = "prefer-local";
}
