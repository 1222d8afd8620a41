namespace OrleansTenants.LoadTester.Reporting;

/// <summary>Everything one load-test run measured; written as JSON and rendered as HTML. Times in ms unless named otherwise.</summary>
public sealed record LoadReport(
    string Title,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    MachineInfo Machine,
    RunSettingsView Settings,
    ProvisioningSummary? Provisioning,
    IReadOnlyList<ScenarioReport> Scenarios,
    IReadOnlyList<string> Notes);

public sealed record MachineInfo(int Cores, double MemoryGiB, string Os, string Runtime, string? PostgresVersion, int? PostgresMaxConnections);

public sealed record RunSettingsView(
    int Silos,
    int Tenants,
    double DurationSeconds,
    double WarmupSeconds,
    int Concurrency,
    double? ArrivalRate,
    double ReadRatio,
    double ZipfExponent,
    int Seed,
    string GrainTarget,
    int BaselineInstances,
    IReadOnlyList<string> Designs,
    IReadOnlyList<string> Scenarios,
    string Catalog);

public sealed record ProvisioningSummary(
    int Tenants,
    IReadOnlyDictionary<string, int> ByMode,
    IReadOnlyList<string> Databases,
    int Created,
    int Reused,
    int RowsPerTenant,
    double Seconds);

public sealed record ScenarioReport(string Name, string Description, IReadOnlyList<DesignRun> Runs);

/// <summary>One design's run of one scenario. <see cref="Dropped"/>: requests the client did not send (open loop, its in-flight limit), not in <see cref="Errors"/>.</summary>
public sealed record DesignRun(
    string Design,
    string Scenario,
    double Seconds,
    long Requests,
    long Ok,
    long Errors,
    long Dropped,
    double Throughput,
    LatencySummary Latency,
    IReadOnlyDictionary<string, long> ByStatus,
    IReadOnlyDictionary<string, string> ErrorSamples,
    IReadOnlyList<TimelinePoint> Timeline,
    ConnectionSummary Connections,
    IReadOnlyList<ConnectionSample> ConnectionSamples,
    IReadOnlyList<ActivationSample>? Activations,
    IReadOnlyList<EventMarker> Events,
    BurstResult? Burst,
    ChurnResult? Churn,
    RotationResult? Rotation,
    FailoverResult? Failover,
    HostCpu? Cpu,
    IReadOnlyList<string> Notes);

/// <summary>Mean CPU over the measured window, in % of all cores: all of it, this run's processes, other programs.</summary>
public sealed record HostCpu(double BusyPercent, double OursPercent, double OthersPercent);

public sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>
/// One second of the measured window (T from its start); <see cref="Slow"/>: successes that took over a second;
/// <see cref="Dropped"/>: requests the client did not send (not errors).
/// </summary>
public sealed record TimelinePoint(double T, long Ok, long Errors, double P50, double P99, long Slow = 0, long Dropped = 0);

/// <summary>Open connections by "owner|database" (owner from application_name, e.g. <c>grain:data</c>, <c>ttl-cache:catalog</c>).</summary>
public sealed record ConnectionSample(double T, IReadOnlyDictionary<string, int> Groups);

/// <summary>
/// The design's own connections (<see cref="DesignPrefix"/>: data pools and its catalog/cluster connections) and
/// everybody's, peak and mean over the measured window.
/// </summary>
public sealed record ConnectionSummary(
    string DesignPrefix,
    int PeakDesign,
    double MeanDesign,
    int PeakDesignData,
    double MeanDesignData,
    int PeakAll,
    IReadOnlyDictionary<string, int> PeakByGroup);

public sealed record ActivationSample(double T, IReadOnlyDictionary<string, int> Silos);

public sealed record EventMarker(double T, string Label);

/// <summary>The cold burst; <see cref="PeakDesignConnections"/>: the design's database connections at their peak while it ran (sampled each second).</summary>
public sealed record BurstResult(int Tenants, int Concurrency, double Seconds, LatencySummary Latency, long Errors, IReadOnlyDictionary<string, long> ByStatus, int? PeakDesignConnections);

public sealed record ChurnResult(
    double ActiveSeconds,
    int Groups,
    long ReturningCalls,
    LatencySummary ReturningLatency,
    LatencySummary OtherLatency,
    int? Activations,
    int? IdleCollections);

/// <summary>
/// The rotate scenario. <see cref="RotatedAt"/>: seconds into the window when the rotation call returned (null if it
/// never did); <see cref="LastStaleAfterSeconds"/>: the stale-settings window observed, a lower bound since only the
/// <see cref="ObservedForSeconds"/> from the call to the reading of the statement log were watched; <see cref="ImpliedStaleWindowSeconds"/>:
/// the longest window the design's own rules allow (null: unbounded).
/// </summary>
public sealed record RotationResult(
    int TenantsRotated,
    double? RotatedAt,
    double AdminCallMs,
    string Method,
    long? StaleUnits,
    long? StaleReads,
    long? StaleStatements,
    double? LastStaleAfterSeconds,
    double? ObservedForSeconds,
    double? ImpliedStaleWindowSeconds,
    string ImpliedStaleWindow,
    long SampledStaleBackends,
    int OldRoleSessionsAtEnd,
    double? OldRoleSessionsGoneAfterSeconds,
    long RequestsToRotatedAfter,
    IReadOnlyList<RotatedTenant> Tenants,
    string Explanation);

public sealed record RotatedTenant(string Tenant, string Mode, string OldRole, string NewRole, DateTimeOffset? RotatedAt, long? StaleUnits, long? StaleStatements, long RequestsAfter);

/// <summary>
/// The failover scenario. <see cref="RecoverySeconds"/>: when the last error after the kill happened (with
/// <see cref="ErrorsAtWindowEnd"/> the errors had not stopped when the window ended). <see cref="LatencyRecoverySeconds"/>:
/// time to recover by the rule of <c>FailoverAnalysis</c> against <see cref="RecoveryThresholdMs"/>; null when
/// it did not recover within the window, or when there was no p99 before the kill to compare with (then
/// <see cref="P99BeforeKill"/> is null too). <see cref="AcknowledgedWrites"/>: the note creates the server acknowledged,
/// looked up after the run (null in reports written before it was checked).
/// </summary>
public sealed record FailoverResult(
    string Killed,
    double KilledAt,
    long ErrorsAfterKill,
    long ErrorsOnKilledTarget,
    long ErrorsOnLiveTargets,
    IReadOnlyDictionary<string, long> LiveErrorsByStatus,
    double? RecoverySeconds,
    double? LiveRecoverySeconds,
    bool ErrorsAtWindowEnd,
    double? P99BeforeKill,
    double? RecoveryThresholdMs,
    double? LatencyRecoverySeconds,
    long SlowRequestsAfterKill,
    int? DuplicateActivations,
    int? ActivationsChecked,
    string DuplicateMethod,
    AcknowledgedWriteCheck? AcknowledgedWrites);

/// <summary>
/// Every write the server acknowledged (a note create answered 2xx), looked up after a failover run:
/// <see cref="Present"/> found (200), <see cref="Missing"/> not found (404), <see cref="Unverified"/> no answer either
/// way (still failing after retries, or no id in the create's response). Acknowledged = the sum of the three.
/// </summary>
public sealed record AcknowledgedWriteCheck(long Acknowledged, long Present, long Missing, long Unverified);
