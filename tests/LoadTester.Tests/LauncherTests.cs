using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.ClusterLauncher;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>The local cluster launcher: nodes start and become ready, and stopping (or losing) the launcher leaves no process behind.</summary>
public sealed class LauncherTests : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private static readonly TimeSpan Gone = TimeSpan.FromSeconds(60);
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
        int[] processes;
        try
        {
            cluster.Silos.Should().HaveCount(2);
            cluster.Silos.Select(s => s.Url).Distinct().Should().HaveCount(2);
            processes = [.. cluster.Silos.Concat([cluster.Api!]).SelectMany(n => new[] { n.ProcessId, n.WrapperProcessId })];
            processes.Should().OnlyContain(pid => PosixSignals.IsAlive(pid));

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

        foreach (var pid in processes)
        {
            await ProcessState.WaitUntilGoneAsync(pid, Gone);
        }

        File.Exists(Path.Combine(_directory.Path, LocalCluster.StateFileName)).Should().BeFalse();
        log.ToString().Should().Contain("stopped silo-1, silo-2").And.NotContain("was killed");
    }

    [Fact]
    public async Task The_stop_command_stops_a_cluster_on_its_own_postgres()
    {
        using var launcher = StartLauncher("start", "--data-dir", _directory.Path, "--silos", "1");
        var state = await WaitForReadyAsync(launcher);

        using var stop = StartLauncher("stop", "--data-dir", _directory.Path);
        await stop.WaitForExitAsync(new CancellationTokenSource(Gone).Token);
        stop.ExitCode.Should().Be(0, await stop.StandardError.ReadToEndAsync());

        await launcher.WaitForExitAsync(new CancellationTokenSource(Gone).Token);
        launcher.ExitCode.Should().Be(0);
        foreach (var pid in Pids(state))
        {
            await ProcessState.WaitUntilGoneAsync(pid, Gone);
        }
    }

    [Fact]
    public async Task A_launcher_killed_with_sigkill_takes_its_nodes_and_postgres_with_it()
    {
        using var launcher = StartLauncher("start", "--data-dir", _directory.Path, "--silos", "1");
        var state = await WaitForReadyAsync(launcher);

        launcher.Kill();

        foreach (var pid in Pids(state))
        {
            await ProcessState.WaitUntilGoneAsync(pid, Gone);
        }
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

    private static IEnumerable<int> Pids(ClusterState state) =>
        [state.LauncherProcessId, state.PostgresProcessId!.Value, .. state.Nodes.SelectMany(n => new[] { n.ProcessId, n.WrapperProcessId })];
}
