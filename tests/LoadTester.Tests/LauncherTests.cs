using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.ClusterLauncher;
using OrleansTenants.Postgres.Embedded;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>
/// The local cluster launcher: nodes start and become ready, and stopping (or losing) the launcher leaves no process
/// behind: no node, no wrapper shell or its watcher subshell, no PostgreSQL process.
/// </summary>
public sealed class LauncherTests : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private static readonly TimeSpan Gone = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web);
    private readonly PostgresDatabaseFixture _database;
    private readonly TemporaryDirectory _directory = new("launcher-test-");

    public LauncherTests(PostgresDatabaseFixture database)
    {
        _database = database;
        // As root, the embedded server runs as the postgres account, which must reach its data below this directory.
        File.SetUnixFileMode(_directory.Path, File.GetUnixFileMode(_directory.Path) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
    }

    private static string SiloAssembly => Path.Combine(AppContext.BaseDirectory, "OrleansTenants.Silo.dll");

    private static string ApiAssembly => Path.Combine(AppContext.BaseDirectory, "OrleansTenants.Api.dll");

    private static string LauncherAssembly => Path.Combine(AppContext.BaseDirectory, "OrleansTenants.ClusterLauncher.dll");

    [Fact]
    public async Task Two_silos_and_the_api_on_a_given_catalog_become_ready_and_stop_without_leaving_a_process()
    {
        var log = new StringWriter();
        var cluster = await LocalCluster.StartAsync(
            new ClusterOptions
            {
                DataDirectory = _directory.Path,
                SiloAssembly = SiloAssembly,
                ApiAssembly = ApiAssembly,
                Silos = 2,
                StartApi = true,
                CatalogConnectionString = _database.ConnectionString,
            },
            log,
            CancellationToken.None);
        List<(int Pid, long? StartTime)> processes;
        try
        {
            cluster.Silos.Should().HaveCount(2);
            cluster.Silos.Select(s => s.Url).Distinct().Should().HaveCount(2);
            processes = [];
            foreach (var node in cluster.Silos.Concat([cluster.Api!]))
            {
                processes.AddRange(WrapperTree(node.WrapperProcessId, node.ProcessId));
            }

            processes.Should().OnlyContain(p => LinuxProcess.IsRunning(p.Pid, p.StartTime));

            using var http = new HttpClient();
            foreach (var node in cluster.Silos.Concat([cluster.Api!]))
            {
                (await http.GetAsync(new Uri(node.Url!, "readyz"))).StatusCode.Should().Be(HttpStatusCode.OK, node.Name);
            }

            // Both silos joined one cluster, through the catalog they were given, with the generated admin key.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Api!.Url!, "admin/cluster"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Secrets.AdminApiKey);
            using var response = await http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            view.RootElement.GetProperty("silos").EnumerateArray()
                .Where(s => s.GetProperty("status").GetString() == "active")
                .Select(s => s.GetProperty("name").GetString())
                .Should().BeEquivalentTo(["silo-1", "silo-2"]);

            File.GetUnixFileMode(Path.Combine(_directory.Path, ClusterSecrets.AdminKeyFileName)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.Combine(_directory.Path, ClusterSecrets.EncryptionKeyFileName)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            ClusterState.Read(_directory.Path)!.Nodes.Select(n => n.ProcessId).Should().BeEquivalentTo(cluster.Silos.Concat([cluster.Api!]).Select(n => n.ProcessId));
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        await ProcessTree.WaitUntilGoneAsync(processes, Gone);
        File.Exists(Path.Combine(_directory.Path, LocalCluster.StateFileName)).Should().BeFalse();
        log.ToString().Should().Contain("stopped silo-1, silo-2").And.NotContain("was killed");
    }

    [Fact]
    public async Task The_stop_command_stops_a_cluster_on_its_own_postgres()
    {
        using var launcher = StartLauncher("start", "--data-dir", _directory.Path, "--silos", "1");
        var processes = TreeOfReadyCluster(await WaitForReadyAsync(launcher));

        using var stop = StartLauncher("stop", "--data-dir", _directory.Path);
        await stop.WaitForExitAsync(new CancellationTokenSource(Gone).Token);
        stop.ExitCode.Should().Be(0, await stop.StandardError.ReadToEndAsync());

        await launcher.WaitForExitAsync(new CancellationTokenSource(Gone).Token);
        launcher.ExitCode.Should().Be(0);
        await ProcessTree.WaitUntilGoneAsync(processes, Gone);
    }

    [Fact]
    public async Task The_stop_command_leaves_alone_a_process_that_reused_a_pid_of_a_stale_state_file()
    {
        using var bystander = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            // As a launcher that was SIGKILLed could leave it, after its pids went to other processes: same pids, other start times.
            var startTime = LinuxProcess.StartTime(bystander.Id)!.Value;
            var stale = new ClusterState(bystander.Id, startTime + 1, DateTimeOffset.UtcNow, "Host=localhost", null, null, [new ClusterState.Node("silo-1", "silo", null, bystander.Id, startTime - 1, bystander.Id, "silo-1.log")]);
            PrivateFile.Write(Path.Combine(_directory.Path, LocalCluster.StateFileName), JsonSerializer.Serialize(stale, StateJson));

            using var stop = StartLauncher("stop", "--data-dir", _directory.Path);
            await stop.WaitForExitAsync(new CancellationTokenSource(Gone).Token);

            stop.ExitCode.Should().Be(0, await stop.StandardError.ReadToEndAsync());
            LinuxProcess.IsRunning(bystander.Id, startTime).Should().BeTrue("the pid belongs to another process now");
            File.Exists(Path.Combine(_directory.Path, LocalCluster.StateFileName)).Should().BeFalse("a state file naming no running process is removed");
        }
        finally
        {
            bystander.Kill();
        }
    }

    [Fact]
    public async Task A_launcher_killed_with_sigkill_takes_its_nodes_and_postgres_with_it()
    {
        using var launcher = StartLauncher("start", "--data-dir", _directory.Path, "--silos", "1");
        var processes = TreeOfReadyCluster(await WaitForReadyAsync(launcher));

        launcher.Kill();

        await ProcessTree.WaitUntilGoneAsync(processes, Gone);
    }

    public void Dispose() => _directory.Dispose();

    private static Process StartLauncher(params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(LauncherAssembly);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("ConnectionStrings__Catalog");
        return Process.Start(info)!;
    }

    /// <summary>Waits for the state file and every node's /readyz; returns the state.</summary>
    private async Task<ClusterState> WaitForReadyAsync(Process launcher)
    {
        var output = new System.Text.StringBuilder();
        launcher.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        launcher.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        launcher.BeginOutputReadLine();
        launcher.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            launcher.HasExited.Should().BeFalse($"the launcher exited:\n{output}");
            if (ClusterState.Read(_directory.Path) is { PostgresProcessId: not null, Nodes.Count: > 0 } state && output.ToString().Contains("cluster up", StringComparison.Ordinal))
            {
                foreach (var node in state.Nodes)
                {
                    (await http.GetAsync(new Uri(node.Url! + "/readyz"))).StatusCode.Should().Be(HttpStatusCode.OK);
                }

                state.LauncherProcessId.Should().Be(launcher.Id);
                return state;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The cluster did not come up:\n{output}");
    }

    /// <summary>The launcher's process tree, checked to hold the nodes, their wrappers (with their watchers) and PostgreSQL.</summary>
    private static List<(int Pid, long? StartTime)> TreeOfReadyCluster(ClusterState state)
    {
        var tree = ProcessTree.Of(state.LauncherProcessId);
        tree.Select(p => p.Pid).Should().Contain(state.PostgresProcessId!.Value);
        foreach (var node in state.Nodes)
        {
            tree.Should().Contain(WrapperTree(node.WrapperProcessId, node.ProcessId));
        }

        return tree;
    }

    /// <summary>A node's wrapper shell, checked to run the node and its watcher subshell.</summary>
    private static List<(int Pid, long? StartTime)> WrapperTree(int wrapper, int node)
    {
        var tree = ProcessTree.Of(wrapper);
        tree.Select(p => p.Pid).Should().Contain(node).And.HaveCountGreaterThanOrEqualTo(3, "the wrapper runs the node and a watcher");
        return tree;
    }
}
