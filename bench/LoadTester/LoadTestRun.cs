using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.ClusterLauncher;
using OrleansTenants.LoadTester.Baselines;
using OrleansTenants.LoadTester.Provisioning;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Scenarios;

namespace OrleansTenants.LoadTester;

/// <summary>The options of the <c>run</c> command.</summary>
internal sealed record RunSettings
{
    public int Silos { get; init; } = 3;

    public int Tenants { get; init; } = 1000;

    public double DurationSeconds { get; init; } = 60;

    public double WarmupSeconds { get; init; } = 10;

    public int Concurrency { get; init; } = 32;

    public double? ArrivalRate { get; init; }

    public double ReadRatio { get; init; } = 0.9;

    public double ZipfExponent { get; init; } = 1.0;

    public int Seed { get; init; } = 42;

    public IReadOnlyList<string> Scenarios { get; init; } = ScenarioDefinition.Names;

    public IReadOnlyList<string> Designs { get; init; } = [GrainDesignHost.DesignName, BaselineServer.Direct, BaselineServer.TtlCache];

    public string DataDirectory { get; init; } = Path.Combine(".data", "loadtest");

    public string? CatalogConnectionString { get; init; }

    public string OutputDirectory { get; init; } = Path.Combine("bench", "results");

    public bool ViaApi { get; init; }

    public int BaselineInstances { get; init; } = 3;

    public int BurstConcurrency { get; init; } = 64;

    public int RotatedTenants { get; init; } = 10;

    public int DedicatedTenants { get; init; } = 8;

    public int RowsPerResource { get; init; } = 20;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string? SiloAssembly { get; init; }

    public string? ApiAssembly { get; init; }
}

/// <summary>
/// The <c>run</c> command: starts the cluster (launcher), provisions or reuses the tenants, runs every scenario against
/// every design (each on fresh processes), and writes the report (JSON and HTML) after each run, so an interrupted
/// run still leaves one.
/// </summary>
internal static class LoadTestRun
{
    public static async Task<int> RunAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        var unknown = settings.Scenarios.Except(ScenarioDefinition.Names).Concat(settings.Designs.Except([GrainDesignHost.DesignName, BaselineServer.Direct, BaselineServer.TtlCache])).ToList();
        if (unknown.Count > 0 || settings.Tenants < 1 || settings.DurationSeconds <= 0 || settings.Concurrency < 1 || settings.ReadRatio is < 0 or > 1)
        {
            await Console.Error.WriteLineAsync(unknown.Count > 0 ? $"Unknown: {string.Join(", ", unknown)}." : "Invalid settings: tenants, duration and concurrency must be positive, read ratio in 0..1.");
            return 2;
        }

        if (settings.Scenarios.Contains(ScenarioDefinition.RotateName) && (settings.RotatedTenants < 1 || settings.RotatedTenants > settings.Tenants))
        {
            await Console.Error.WriteLineAsync($"--rotated-tenants must be between 1 and the number of tenants ({settings.Tenants}), got {settings.RotatedTenants}.");
            return 2;
        }

        var started = DateTimeOffset.UtcNow;
        var log = Console.Out;
        var dataDirectory = Path.GetFullPath(settings.DataDirectory);
        Directory.CreateDirectory(dataDirectory);
        Directory.CreateDirectory(settings.OutputDirectory);
        var stamp = started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var jsonPath = Path.GetFullPath(Path.Combine(settings.OutputDirectory, $"loadtest-{stamp}.json"));
        var htmlPath = Path.ChangeExtension(jsonPath, ".html");

        log.WriteLine($"load test: {settings.Silos} silos, {settings.Tenants} tenants, {settings.DurationSeconds} s per scenario and design (+{settings.WarmupSeconds} s warm-up), " +
            $"{(settings.ArrivalRate is { } r ? $"{r} req/s" : $"{settings.Concurrency} callers")}, designs {string.Join(", ", settings.Designs)}, scenarios {string.Join(", ", settings.Scenarios)}");
        var clock = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.StartAsync(
            new ClusterOptions
            {
                DataDirectory = dataDirectory,
                SiloAssembly = settings.SiloAssembly ?? Path.Combine(AppContext.BaseDirectory, "OrleansTenants.Silo.dll"),
                ApiAssembly = settings.ApiAssembly ?? Path.Combine(AppContext.BaseDirectory, "OrleansTenants.Api.dll"),
                Silos = settings.Silos,
                CatalogConnectionString = settings.CatalogConnectionString,
            },
            log,
            cancellationToken);
        log.WriteLine($"cluster up in {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", cluster.Silos.Select(s => $"{s.Name} {s.Url}"))}");

        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            MaxConnectionsPerServer = int.MaxValue,
            UseCookies = false,
            UseProxy = false,
        };
        using var loadHttp = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        using var adminHttp = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var admin = new AdminClient(adminHttp, () => cluster.Silos.First(s => !s.HasExited).Url!, cluster.Secrets.AdminApiKey);

        await using var catalog = new CatalogDatabase(NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cluster.CatalogConnectionString) { ApplicationName = "loadtester" }.ConnectionString));
        var protector = new SecretProtector(Options.Create(cluster.Secrets.Encryption));
        var databases = new DatabaseCatalog(catalog, protector);
        var tenantCatalog = new TenantCatalog(catalog, protector);

        var provisioner = new TenantProvisioner(
            admin, new NpgsqlConnectionStringBuilder(cluster.CatalogConnectionString) { ApplicationName = "loadtester" }.ConnectionString, databases, dataDirectory, log);
        var (tenants, provisioning) = await provisioner.ProvisionAsync(
            new TenantPlanOptions(settings.Tenants, settings.DedicatedTenants, SingleShare: 0.1, ShardedShare: 0.45, SharedDatabases: 3, Shards: 4, settings.RowsPerResource, settings.Seed),
            cancellationToken);
        log.WriteLine($"tenants ready in {provisioning.Seconds:0.0} s: {string.Join(", ", provisioning.ByMode.Select(kv => $"{kv.Value} {kv.Key}"))} over {provisioning.Databases.Count} databases");

        // Every run starts its design's processes itself.
        await cluster.StopSilosAsync();

        var machine = await MachineAsync(cluster.CatalogConnectionString, cancellationToken);
        var rotation = new RotationSetup(cluster.CatalogConnectionString, tenantCatalog, databases, log);
        var statementLogReady = settings.Scenarios.Contains(ScenarioDefinition.RotateName)
            && cluster.PostgresLogFile is not null
            && await rotation.PrepareServerLogAsync(cancellationToken);
        var context = new RunContext(settings, tenants, loadHttp, handler, cluster.CatalogConnectionString, cluster.PostgresLogFile, rotation, statementLogReady, log);
        var runner = new ScenarioRunner(context);
        var reportNotes = ReportNotes(settings, cluster, statementLogReady);
        var scenarios = new List<ScenarioReport>();

        LoadReport Report() => new(
            "OrleansTenants load test: grain design vs direct vs ttl-cache",
            started,
            DateTimeOffset.UtcNow,
            machine,
            new RunSettingsView(
                settings.Silos, settings.Tenants, settings.DurationSeconds, settings.WarmupSeconds, settings.Concurrency, settings.ArrivalRate, settings.ReadRatio,
                settings.ZipfExponent, settings.Seed, settings.ViaApi ? "the standalone Api (cluster client)" : "the silos (each co-hosts the Api), round robin",
                settings.BaselineInstances, settings.Designs, settings.Scenarios,
                settings.CatalogConnectionString is null ? "embedded PostgreSQL started by the launcher" : "the given database"),
            provisioning,
            scenarios,
            reportNotes);

        foreach (var name in settings.Scenarios)
        {
            var scenario = ScenarioDefinition.Create(name, settings.BurstConcurrency, settings.RotatedTenants);
            var runs = new List<DesignRun>();
            scenarios.Add(new ScenarioReport(scenario.Name, scenario.Description, runs));
            foreach (var design in settings.Designs)
            {
                DesignHost host = design == GrainDesignHost.DesignName
                    ? new GrainDesignHost(cluster, admin, settings.ViaApi, log)
                    : new BaselineDesignHost(design, settings.BaselineInstances, cluster.CatalogConnectionString, cluster.Secrets, dataDirectory, tenantCatalog, adminHttp);
                runs.Add(await runner.RunAsync(scenario, host, cancellationToken));
                await ReportWriter.WriteAsync(Report(), jsonPath, htmlPath, cancellationToken);
            }
        }

        var report = Report();
        await ReportWriter.WriteAsync(report, jsonPath, htmlPath, cancellationToken);
        log.WriteLine();
        log.WriteLine(Summary(report));
        log.WriteLine($"report: {htmlPath}");
        log.WriteLine($"        {jsonPath}");
        log.WriteLine($"total {clock.Elapsed.TotalMinutes:0.0} min");
        return 0;
    }

    /// <summary>The headline figures as text, for the console.</summary>
    internal static string Summary(LoadReport report)
    {
        var lines = new List<string>();
        foreach (var scenario in report.Scenarios)
        {
            var direct = scenario.Runs.FirstOrDefault(r => r.Design == BaselineServer.Direct);
            foreach (var run in scenario.Runs)
            {
                var ratio = direct is { Throughput: > 0 } && run != direct ? $"  x{run.Throughput / direct.Throughput:0.00} of direct" : "";
                lines.Add($"{scenario.Name,-11} {run.Design,-10} {run.Throughput,8:0} req/s  p50 {run.Latency.P50,7:0.0} ms  p99 {run.Latency.P99,8:0.0} ms  errors {run.Errors,6}  conns peak {run.Connections.PeakDesign,4} (data {run.Connections.PeakDesignData}){ratio}");
                if (run.Rotation is { } rotation)
                {
                    lines.Add($"{"",-22} rotation: {rotation.StaleUnits?.ToString(CultureInfo.InvariantCulture) ?? "?"} requests ({rotation.StaleReads?.ToString(CultureInfo.InvariantCulture) ?? "?"} reads) with old credentials after the call returned");
                }

                if (run.Failover is { } failover)
                {
                    lines.Add($"{"",-22} failover: {failover.ErrorsAfterKill} errors after the kill ({failover.ErrorsOnLiveTargets} via live nodes, last {failover.RecoverySeconds?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-"} s after it), " +
                        $"{failover.SlowRequestsAfterKill} requests over 1 s, time to recover (errors and p99): {ReportWriter.RecoveryText(failover)}, duplicates {failover.DuplicateActivations?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}, " +
                        ReportWriter.AcknowledgedWritesText(failover));
                }
            }
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static List<string> ReportNotes(RunSettings settings, LocalCluster cluster, bool statementLogReady)
    {
        var notes = new List<string>
        {
            "All processes (silos, baselines, PostgreSQL and the load generator) share one machine; throughput is bounded by its cores, so the figures compare designs under the same constraint rather than measure capacity.",
            $"Each design runs on fresh processes for each scenario: {settings.Silos} silos for the grain design, {settings.BaselineInstances} processes of this program's `serve` command for each baseline; the load generator balances round robin over them.",
            $"direct: one NpgsqlDataSource per distinct connection settings (max {DirectBackend.PoolSize} connections each, the grain design's shared-pool size), all tenants' settings read once at start-up, no API-key check, no limits.",
            "The baselines' pools have the grain design's Npgsql settings (connect timeout, command timeout, statement timeout, automatic preparation of up to 64 statements), so the designs differ only in how they find a tenant's pool.",
            $"ttl-cache: tenant configuration cached {TtlCacheBackend.ConfigTtl.TotalMinutes:0} min, one client (pool) per tenant cached {TtlCacheBackend.ClientTtl.TotalHours:0} h, at most {TtlCacheBackend.MaxClients} clients per process (least recently used disposed), cleanup every {TtlCacheBackend.CleanupPeriod.TotalMinutes:0} min, a clear-cache call per process.",
            "grain design: the TenantGrain holds the tenant's configuration and a lease on its database's pool (its own pool for dedicated databases and tenant-specific settings) for as long as it is active.",
            "Seeded rows are written with SQL as the superuser (the same rows the API would write); writes during the run go through the designs.",
        };
        if (!statementLogReady && settings.Scenarios.Contains(ScenarioDefinition.RotateName))
        {
            notes.Add("The server's statement log was not available (a given catalog, or no permission to set log_line_prefix): stale reads after rotation are sampled from pg_stat_activity only, a lower bound.");
        }

        if (cluster.PostgresProcessId is not null)
        {
            notes.Add("The embedded PostgreSQL runs without fsync (a throwaway load-test server) and with max_connections = 300.");
        }

        return notes;
    }

    private static async Task<MachineInfo> MachineAsync(string catalogConnectionString, CancellationToken cancellationToken)
    {
        string? version = null;
        int? maxConnections = null;
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(catalogConnectionString) { ApplicationName = "loadtester", Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_setting('server_version'), current_setting('max_connections')::int", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                version = reader.GetString(0);
                maxConnections = reader.GetInt32(1);
            }
        }
        catch (NpgsqlException)
        {
            // Reported as unknown.
        }

        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return new MachineInfo(Environment.ProcessorCount, Math.Round(memory, 1), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, version, maxConnections);
    }
}
