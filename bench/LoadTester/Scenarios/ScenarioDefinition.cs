using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>What a scenario does to each design: how its processes start, what happens before and during the run.</summary>
internal sealed record ScenarioDefinition(
    string Name,
    string Description,
    IReadOnlyList<string> SiloArguments,
    bool Burst,
    bool Prewarm,
    ChurnPattern? Churn,
    bool Rotate,
    bool Failover)
{
    public const string SteadyName = "steady";
    public const string ColdBurstName = "cold-burst";
    public const string ChurnName = "churn";
    public const string RotateName = "rotate";
    public const string FailoverName = "failover";

    public static IReadOnlyList<string> Names { get; } = [SteadyName, ColdBurstName, ChurnName, RotateName, FailoverName];

    public static ScenarioDefinition Create(string name, int burstConcurrency, int rotatedTenants) => name switch
    {
        SteadyName => new(
            SteadyName,
            "Warm steady state: every tenant is called once before the warm-up, then the workload runs at its mix and popularity.",
            [], Burst: false, Prewarm: true, Churn: null, Rotate: false, Failover: false),
        ColdBurstName => new(
            ColdBurstName,
            $"Fresh processes, then every tenant's first call at once ({burstConcurrency} in flight): activations (grain), configuration loads and client creation (ttl-cache), first connections. Then the workload runs.",
            [], Burst: true, Prewarm: false, Churn: null, Rotate: false, Failover: false),
        ChurnName => new(
            ChurnName,
            "Tenants go idle and come back: the silos collect activations idle for 10 s (--Orleans:Collection:CollectionAge=00:00:10 --Orleans:Collection:CollectionQuantum=00:00:02), and the tenants are called in four groups that take turns (24 s called, 24 s idle), so returning tenants are reactivated.",
            ["--Orleans:Collection:CollectionAge=00:00:10", "--Orleans:Collection:CollectionQuantum=00:00:02"], Burst: false, Prewarm: false, Churn: new ChurnPattern(4, 12), Rotate: false, Failover: false),
        RotateName => new(
            RotateName,
            $"Credential rotation mid-run: {rotatedTenants} tenants each get a login role of their own before the run; halfway through, each is rotated to a new role (PUT /admin/tenants/{{id}}/connection for the grain design). Statements the old roles run after the admin call returned are counted from the server's statement log.",
            [], Burst: false, Prewarm: true, Churn: null, Rotate: true, Failover: false),
        FailoverName => new(
            FailoverName,
            "kill -9 of one node a third of the way through (silo-2 for the grain design, instance 2 for the baselines). The client balances over the nodes, takes a node out on a connection error and back when its /healthz answers.",
            [], Burst: false, Prewarm: true, Churn: null, Rotate: false, Failover: true),
        _ => throw new ArgumentException($"Unknown scenario '{name}'. Scenarios: {string.Join(", ", Names)}.", nameof(name)),
    };
}
