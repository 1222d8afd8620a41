using System.Diagnostics;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog.Store;
using OrleansTenants.ClusterLauncher;
using OrleansTenants.LoadTester.Baselines;
using OrleansTenants.LoadTester.Monitoring;
using OrleansTenants.LoadTester.Provisioning;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>The processes of one design under test: started fresh for each run, stopped after it.</summary>
internal abstract class DesignHost
{
    public abstract string Name { get; }

    public abstract Task<IReadOnlyList<Target>> StartAsync(ScenarioDefinition scenario, CancellationToken cancellationToken);

    public abstract Task StopAsync();

    /// <summary>kill -9 of one node (the second); returns its name.</summary>
    public abstract Task<string> KillOneAsync();

    /// <summary>
    /// The design's way to replace tenants' connection settings; returns, per tenant, when the call that does it
    /// returned (from then on the design must not use the old settings).
    /// </summary>
    public abstract Task<IReadOnlyList<DateTimeOffset>> RotateAsync(IReadOnlyList<(string Tenant, string ConnectionString)> rotations, CancellationToken cancellationToken);

    /// <summary>The silos' logs of the current run (grain design only).</summary>
    public virtual IReadOnlyList<SiloLog> SiloLogs => [];

    /// <summary>The cluster view, for activations per silo (grain design only).</summary>
    public virtual Task<ClusterView?> GetClusterAsync(CancellationToken cancellationToken) => Task.FromResult<ClusterView?>(null);

    public virtual string Explain(ScenarioDefinition scenario) => "";

    /// <summary>
    /// How long the design's own rules let a process keep using a tenant's old settings after they were replaced
    /// (null: without limit), and why; the rotate scenario shows it next to what it observed.
    /// </summary>
    public abstract (double? Seconds, string Why) StaleSettingsExposure { get; }

    /// <summary>Lines about the processes' own counters, read before they stop.</summary>
    public virtual Task<IReadOnlyList<string>> DescribeAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
}

/// <summary>The platform: the launcher's silos, reached directly (each co-hosts the Api) or through the standalone Api.</summary>
internal sealed class GrainDesignHost(LocalCluster cluster, AdminClient admin, bool viaApi, TextWriter log) : DesignHost
{
    public const string DesignName = "grain";

    public override string Name => DesignName;

    public override async Task<IReadOnlyList<Target>> StartAsync(ScenarioDefinition scenario, CancellationToken cancellationToken)
    {
        await cluster.StartSilosAsync(scenario.SiloArguments, cancellationToken);
        if (viaApi)
        {
            await cluster.StartApiAsync(cancellationToken);
            return [new Target("api", cluster.Api!.Url!)];
        }

        return [.. cluster.Silos.Select(s => new Target(s.Name, s.Url!))];
    }

    public override async Task StopAsync()
    {
        if (viaApi)
        {
            await cluster.StopApiAsync();
        }

        await cluster.StopSilosAsync();
    }

    public override async Task<string> KillOneAsync() => (await cluster.KillSiloAsync(Math.Min(1, cluster.Silos.Count - 1))).Name;

    public override async Task<IReadOnlyList<DateTimeOffset>> RotateAsync(IReadOnlyList<(string Tenant, string ConnectionString)> rotations, CancellationToken cancellationToken) =>
        await Task.WhenAll(rotations.Select(async r =>
        {
            await admin.ReplaceConnectionAsync(r.Tenant, r.ConnectionString, cancellationToken);
            return DateTimeOffset.UtcNow;
        }));

    public override IReadOnlyList<SiloLog> SiloLogs => [.. cluster.Silos.Select(s => new SiloLog(s.Name, s.LogFile, s.KilledAt))];

    public override async Task<ClusterView?> GetClusterAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await admin.GetClusterAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or AdminCallException or OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                log.WriteLine($"  (cluster view unavailable: {ex.Message})");
            }

            return null;
        }
    }

    public override string Explain(ScenarioDefinition scenario) =>
        scenario.Rotate
            ? "Grain design: PUT /admin/tenants/{id}/connection stores the new settings and deactivates the tenant's grain wherever it is active; it returns when the activation (with its pool) is gone, so the next call activates the grain with the new settings."
            : "";

    public override (double? Seconds, string Why) StaleSettingsExposure =>
        (0, "PUT /admin/tenants/{id}/connection returns once the tenant's activation, which holds its settings and pool, is gone; the next call activates it with the new settings");
}

/// <summary>A baseline design (<c>direct</c> or <c>ttl-cache</c>): N processes of this program's <c>serve</c> command.</summary>
internal sealed class BaselineDesignHost(
    string design,
    int instances,
    string catalogConnectionString,
    ClusterSecrets secrets,
    string dataDirectory,
    TenantCatalog tenantCatalog,
    HttpClient http) : DesignHost
{
    private readonly List<ClusterNode> _nodes = [];

    public override string Name => design;

    public override async Task<IReadOnlyList<Target>> StartAsync(ScenarioDefinition scenario, CancellationToken cancellationToken)
    {
        var environment = secrets.ToEnvironment();
        environment.Remove("Admin__ApiKey");
        environment["ConnectionStrings__Catalog"] = catalogConnectionString;
        environment["DOTNET_gcServer"] = "1";
        var assembly = typeof(BaselineServer).Assembly.Location;
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= instances; i++)
        {
            var url = new Uri($"http://127.0.0.1:{LocalCluster.FreePort("127.0.0.1")}");
            _nodes.Add(await ClusterNode.StartAsync(
                $"{design}-{i}", NodeRole.Other, url, assembly, ["serve", "--design", design, "--urls", url.ToString().TrimEnd('/')],
                environment, dataDirectory, Path.Combine(dataDirectory, "logs", $"{design}-{i}.log"), cancellationToken));
        }

        await Task.WhenAll(_nodes.Select(n => n.WaitUntilReadyAsync(http, TimeSpan.FromMinutes(3), cancellationToken, "/healthz")));
        Console.WriteLine($"{instances} {design} process(es) ready in {clock.Elapsed.TotalSeconds:F1} s");
        return [.. _nodes.Select(n => new Target(n.Name, n.Url!))];
    }

    public override async Task StopAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
    }

    public override async Task<string> KillOneAsync()
    {
        var node = _nodes[Math.Min(1, _nodes.Count - 1)];
        await node.KillAsync();
        return node.Name;
    }

    public override async Task<IReadOnlyList<DateTimeOffset>> RotateAsync(IReadOnlyList<(string Tenant, string ConnectionString)> rotations, CancellationToken cancellationToken) =>
        await Task.WhenAll(rotations.Select(async r =>
        {
            // The catalog write the admin API does, then (ttl-cache) the design's "clear cache" call, which clears one process.
            await tenantCatalog.ReplaceConnectionAsync(r.Tenant, new ConnectionSettings(r.ConnectionString, []), "loadtester", cancellationToken);
            if (design == BaselineServer.TtlCache)
            {
                using var response = await http.PostAsync(new Uri(_nodes[0].Url!, $"admin/cache/clear/{r.Tenant}"), null, cancellationToken);
                response.EnsureSuccessStatusCode();
            }

            return DateTimeOffset.UtcNow;
        }));

    public override async Task<IReadOnlyList<string>> DescribeAsync(CancellationToken cancellationToken)
    {
        if (design != BaselineServer.TtlCache)
        {
            return [];
        }

        var lines = new List<string>();
        foreach (var node in _nodes.Where(n => !n.HasExited))
        {
            lines.Add($"{node.Name} cache counters: {await http.GetStringAsync(new Uri(node.Url!, "admin/cache"), cancellationToken)}");
        }

        return lines;
    }

    public override string Explain(ScenarioDefinition scenario) => !scenario.Rotate
        ? ""
        : design == BaselineServer.TtlCache
            ? $"ttl-cache: the new settings are written to the catalog, then the design's clear-cache call is made, which clears the tenant in one process ({_nodes.FirstOrDefault()?.Name}); the other processes keep their cached configuration (5 min) and client (1 h)."
            : "direct: the new settings are written to the catalog; direct reads the catalog once at start-up and keeps its pools.";

    public override (double? Seconds, string Why) StaleSettingsExposure => design == BaselineServer.TtlCache
        ? (TtlCacheBackend.ClientTtl.TotalSeconds,
            $"every process but the one the clear-cache call reached keeps the old settings: configuration is cached {TtlCacheBackend.ConfigTtl.TotalMinutes:0} min, " +
            $"but the client (pool) is keyed by tenant id and cached {TtlCacheBackend.ClientTtl.TotalHours:0.#} h, so it outlives a configuration refresh; " +
            $"least-recently-used eviction ({TtlCacheBackend.MaxClients} clients) may end it sooner for a less popular tenant")
        : (null, "direct reads every tenant's settings once at start-up and keeps its pools until the process restarts");
}
