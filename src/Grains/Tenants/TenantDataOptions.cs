using OrleansTenants.Crm;

namespace OrleansTenants.Grains.Tenants;

/// <summary>How tenant grains use their databases; bound from the <c>TenantData</c> configuration section.</summary>
public sealed class TenantDataOptions
{
    public const string SectionName = "TenantData";

    /// <summary>Per-statement limit inside the database (<c>statement_timeout</c>).</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a connection attempt may take before the database counts as unreachable.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Pool size of a data source shared by the tenants of one database on one silo.</summary>
    public int SharedPoolSize { get; set; } = 50;

    /// <summary>How many calls beyond the tenant's concurrency limit wait their turn; one more is answered 429.</summary>
    public int QueueLimit { get; set; } = 128;

    /// <summary>
    /// The longest a call waits in the tenant's queue, as long as the statement timeout by default: a call whose
    /// expected wait is longer is answered 429 at once, with Retry-After.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an online move's cut-over, with the tenant's writes paused, waits for the target to confirm the source's
    /// last change; past it the writes resume and the cut-over is tried again once the target has caught up further.
    /// </summary>
    public TimeSpan CutOverWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an online move's initial copy may go on without progress (no table more copied, no row more on the
    /// target) before the move fails and its replication is dropped: a stuck copy's slot would keep WAL forever.
    /// </summary>
    public TimeSpan CopyStallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failures within the sampling window that open the tenant's circuit, so a dead database is not hammered.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open circuit answers 503 before one trial call is let through.</summary>
    public TimeSpan BreakerDuration { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A replica whose replay trails the primary by more than this many WAL bytes gets no reads.</summary>
    public long MaxReplicaLagBytes { get; set; } = 1024 * 1024;

    /// <summary>How often replica lag is measured (on the read path, at most once per interval).</summary>
    public TimeSpan ReplicaLagCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an Idempotency-Key is remembered; a retry of a create after that creates anew.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often an activation purges its tenant's expired idempotency keys (on a keyed create, in its transaction).</summary>
    public TimeSpan IdempotencyPurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Up to how many matching rows a list with <c>count=true</c> counts exactly; past it the total is the planner's
    /// estimate, so a count never reads a huge table through.
    /// </summary>
    public int ExactCountCap { get; set; } = ListQuery.DefaultExactCountCap;

    /// <summary>After a write, this tenant's reads go to the primary for this long (read-your-own-writes).</summary>
    public TimeSpan ReadYourWritesWindow { get; set; } = TimeSpan.FromSeconds(5);
}
