using System.CommandLine;
using OrleansTenants.ClusterLauncher;

var dataDirectory = new Option<DirectoryInfo>("--data-dir")
{
    Description = "Where the cluster keeps its secrets (mode 0600), node logs, state file and, when it starts one, its PostgreSQL server",
    DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".data", "cluster")),
};

var silos = new Option<int>("--silos") { Description = "Number of silo processes", DefaultValueFactory = _ => 3 };
var api = new Option<bool>("--api") { Description = "Also start a standalone Api process (a cluster client)" };
var catalog = new Option<string?>("--catalog")
{
    Description = "The catalog database's connection string (visible to every user in ps: prefer $ConnectionStrings__Catalog for one with a password); default: $ConnectionStrings__Catalog, else an embedded PostgreSQL under <data-dir>/postgres",
};
var basePort = new Option<int>("--base-port") { Description = "silo-i listens on base-port + i - 1, the Api on base-port + silos; 0 picks free ports", DefaultValueFactory = _ => 0 };
var settings = new Option<string[]>("--set")
{
    Description = "A silo setting KEY=VALUE passed as --KEY=VALUE to every silo (repeatable), e.g. --set Orleans:Collection:CollectionAge=00:00:10",
    AllowMultipleArgumentsPerToken = false,
};
var durable = new Option<bool>("--durable") { Description = "Run the embedded PostgreSQL with fsync on (off by default: a throwaway load-test server)" };
var siloDll = new Option<FileInfo?>("--silo-dll") { Description = "The built silo; default: OrleansTenants.Silo.dll next to this tool" };
var apiDll = new Option<FileInfo?>("--api-dll") { Description = "The built Api; default: OrleansTenants.Api.dll next to this tool" };

var start = new Command("start", "Start the cluster and keep it running until Ctrl-C, SIGTERM or `stop`; prints the nodes' addresses")
{
    dataDirectory, silos, api, catalog, basePort, settings, durable, siloDll, apiDll,
};
start.SetAction((parse, _) => TerminationSignals.RunAsync(stopping => Launcher.StartAsync(
    parse.GetValue(dataDirectory)!, parse.GetValue(silos), parse.GetValue(api), parse.GetValue(catalog), parse.GetValue(basePort),
    parse.GetValue(settings) ?? [], parse.GetValue(durable), parse.GetValue(siloDll), parse.GetValue(apiDll), stopping)));

var stop = new Command("stop", "Stop the cluster started from --data-dir: its launcher stops the nodes (SIGTERM, then wait) and its PostgreSQL") { dataDirectory };
stop.SetAction((parse, _) => Launcher.StopAsync(parse.GetValue(dataDirectory)!));

var status = new Command("status", "Print the nodes of the cluster started from --data-dir and whether they run") { dataDirectory };
status.SetAction(parse => Launcher.Status(parse.GetValue(dataDirectory)!));

var root = new RootCommand("Local OrleansTenants cluster: N silos and optionally a standalone Api against one catalog database.") { start, stop, status };

// Termination signals are handled by TerminationSignals: stopping the nodes takes longer than System.CommandLine's
// default 2 s grace period.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

internal static class Launcher
{
    public static async Task<int> StartAsync(
        DirectoryInfo dataDirectory, int silos, bool api, string? catalog, int basePort, string[] settings, bool durable, FileInfo? siloDll, FileInfo? apiDll, CancellationToken stopping)
    {
        var siloArguments = new List<string>();
        foreach (var setting in settings)
        {
            if (setting.IndexOf('=', StringComparison.Ordinal) <= 0)
            {
                await Console.Error.WriteLineAsync($"--set expects KEY=VALUE, got '{setting}'.");
                return 2;
            }

            siloArguments.Add("--" + setting);
        }

        var options = new ClusterOptions
        {
            DataDirectory = dataDirectory.FullName,
            SiloAssembly = siloDll?.FullName ?? Path.Combine(AppContext.BaseDirectory, "OrleansTenants.Silo.dll"),
            ApiAssembly = apiDll?.FullName ?? Path.Combine(AppContext.BaseDirectory, "OrleansTenants.Api.dll"),
            Silos = silos,
            StartApi = api,
            CatalogConnectionString = string.IsNullOrWhiteSpace(catalog) ? NullIfEmpty(Environment.GetEnvironmentVariable("ConnectionStrings__Catalog")) : catalog,
            BasePort = basePort,
            SiloArguments = siloArguments,
            DurablePostgres = durable,
        };

        LocalCluster cluster;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            cluster = await LocalCluster.StartAsync(options, Console.Out, stopping);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or TimeoutException or ArgumentException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }

        await using (cluster)
        {
            Console.WriteLine();
            Console.WriteLine($"cluster up in {clock.Elapsed.TotalSeconds:F1} s ({silos} silo(s){(api ? " and the Api" : "")}), data directory {cluster.DataDirectory}");
            Console.WriteLine(options.CatalogConnectionString is null
                ? $"  catalog    embedded PostgreSQL (pid {cluster.PostgresProcessId}), database {LocalCluster.CatalogDatabaseName}; connection string in {Path.Combine(cluster.DataDirectory, LocalCluster.StateFileName)}"
                : "  catalog    the given database");
            foreach (var node in cluster.Silos.Concat(cluster.Api is null ? [] : [cluster.Api]))
            {
                Console.WriteLine($"  {node.Name,-10} {node.Url?.ToString().TrimEnd('/'),-24} pid {node.ProcessId,-8} log {node.LogFile}");
            }

            Console.WriteLine($"  admin key  {cluster.Secrets.AdminKeyFile} (curl -H \"Authorization: Bearer $(cat {cluster.Secrets.AdminKeyFile})\" {cluster.Silos[0].Url}admin/cluster)");
            Console.WriteLine("Ctrl-C (or `infra/cluster/cluster.sh stop`) stops the cluster.");

            var reported = new HashSet<int>();
            while (!stopping.IsCancellationRequested)
            {
                foreach (var node in cluster.Silos.Concat(cluster.Api is null ? [] : [cluster.Api]))
                {
                    if (node.HasExited && reported.Add(node.ProcessId))
                    {
                        Console.WriteLine($"{node.Name} (pid {node.ProcessId}) exited with code {node.ExitCode}; see {node.LogFile}");
                    }
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            Console.WriteLine("stopping the cluster");
        }

        Console.WriteLine("cluster stopped");
        return 0;
    }

    public static async Task<int> StopAsync(DirectoryInfo dataDirectory)
    {
        if (ClusterState.Read(dataDirectory.FullName) is not { } state)
        {
            Console.WriteLine($"no cluster runs from {dataDirectory.FullName}");
            return 0;
        }

        // Only processes whose pid and start time match the state file's are signalled: after a crash, a pid in a
        // stale file may belong to an unrelated process by now.
        if (state.IsLauncherRunning())
        {
            PosixSignals.TrySend(state.LauncherProcessId, PosixSignals.SigTerm);
            Console.WriteLine($"asked the launcher (pid {state.LauncherProcessId}) to stop");
            for (var i = 0; i < 1200 && state.IsLauncherRunning(); i++)
            {
                await Task.Delay(100);
            }
        }

        // A launcher that was killed leaves its state file; its nodes stop by themselves, but make sure.
        foreach (var node in state.Nodes.Where(n => n.IsRunning()))
        {
            PosixSignals.TrySend(node.ProcessId, PosixSignals.SigTerm);
        }

        for (var i = 0; i < 600 && state.Nodes.Any(n => n.IsRunning()); i++)
        {
            await Task.Delay(100);
        }

        var left = state.Nodes.Where(n => n.IsRunning()).ToList();
        if (left.Count > 0 || state.IsLauncherRunning())
        {
            await Console.Error.WriteLineAsync($"still running: {string.Join(", ", left.Select(n => $"{n.Name} (pid {n.ProcessId})"))}");
            return 1;
        }

        File.Delete(Path.Combine(dataDirectory.FullName, LocalCluster.StateFileName));
        Console.WriteLine("cluster stopped");
        return 0;
    }

    public static int Status(DirectoryInfo dataDirectory)
    {
        if (ClusterState.Read(dataDirectory.FullName) is not { } state)
        {
            Console.WriteLine($"no cluster runs from {dataDirectory.FullName}");
            return 1;
        }

        Console.WriteLine($"launcher pid {state.LauncherProcessId} ({(state.IsLauncherRunning() ? "running" : "gone")})");
        foreach (var node in state.Nodes)
        {
            Console.WriteLine($"  {node.Name,-10} {node.Url,-24} pid {node.ProcessId,-8} {(node.IsRunning() ? "running" : "gone")}");
        }

        return 0;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
