using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FluentAssertions;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Silo.Tests;

/// <summary>
/// The embedded default as a new user meets it: the silo executable with no configuration starts its own
/// PostgreSQL under ./.data, seeds the demo, answers health checks, and takes PostgreSQL down with it.
/// </summary>
public sealed partial class EmbeddedDefaultTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly TemporaryDirectory _workingDirectory = new("orleans-tenants-silo-");

    public EmbeddedDefaultTests()
    {
        // The postgres account must reach ./.data below it, as it reaches a user's checkout.
        File.SetUnixFileMode(_workingDirectory.Path, File.GetUnixFileMode(_workingDirectory.Path) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
    }

    private string DataDirectory => Path.Combine(_workingDirectory.Path, ".data");

    [Fact]
    public async Task First_start_seeds_the_demo_and_ctrl_c_stops_postgres_then_a_second_start_reuses_the_data()
    {
        int postgresPid;
        await using (var first = SiloProcess.Start(_workingDirectory.Path))
        {
            await first.WaitUntilReadyAsync(StartTimeout);
            postgresPid = PostmasterPid();

            await AssertHealthyAsync(first.BaseAddress);
            await AssertDemoTenantsAnswerAsync(first.BaseAddress);
            var keys = await File.ReadAllTextAsync(Path.Combine(DataDirectory, "demo-keys.txt"));
            keys.Should().Contain("admin key: ota_").And.Contain("acme API key: otk_").And.Contain("hooli API key: otk_");
            File.GetUnixFileMode(Path.Combine(DataDirectory, "demo-keys.txt")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.Combine(DataDirectory, "encryption-keys.json")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            first.Output.Should().Contain("acme (single)").And.Contain("globex (dedicated)").And.Contain("initech (shared)").And.Contain("hooli (sharded)");

            first.Signal(Signals.SigInt);
            (await first.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
            await ProcessState.WaitUntilGoneAsync(postgresPid, TimeSpan.FromSeconds(30));
        }

        await using var second = SiloProcess.Start(_workingDirectory.Path);
        await second.WaitUntilReadyAsync(StartTimeout);

        await AssertHealthyAsync(second.BaseAddress);
        // The catalog names the embedded server's port in the demo databases' connection settings.
        await AssertDemoTenantsAnswerAsync(second.BaseAddress);
        second.Output.Should().NotContain("Created a PostgreSQL cluster").And.Contain("written to").And.NotContain("otk_");
        PostmasterPid().Should().NotBe(postgresPid);
    }

    [Fact]
    public async Task A_second_silo_started_in_the_same_directory_joins_the_first_ones_cluster_and_server()
    {
        await using var first = SiloProcess.Start(_workingDirectory.Path);
        await first.WaitUntilReadyAsync(StartTimeout);
        var postgresPid = PostmasterPid();

        await using (var second = SiloProcess.Start(_workingDirectory.Path))
        {
            await second.WaitUntilReadyAsync(StartTimeout);

            PostmasterPid().Should().Be(postgresPid, "the second silo uses the running server rather than restarting it");
            await AssertHealthyAsync(first.BaseAddress);
            await AssertDemoTenantsAnswerAsync(second.BaseAddress);
            using var admin = new HttpClient { BaseAddress = second.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(DataDirectory, "admin-api-key")).Trim());
            var cluster = System.Text.Json.JsonDocument.Parse(await admin.GetStringAsync("/admin/cluster")).RootElement;
            cluster.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "active").Should().Be(2);

            second.Signal(Signals.SigInt);
            (await second.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
        }

        ProcessState.IsAlive(postgresPid).Should().BeTrue("the server belongs to the first silo");
        await AssertHealthyAsync(first.BaseAddress);
        await AssertDemoTenantsAnswerAsync(first.BaseAddress);
    }

    [Fact]
    public async Task A_killed_silo_leaves_no_postgres_behind()
    {
        await using var silo = SiloProcess.Start(_workingDirectory.Path);
        await silo.WaitUntilReadyAsync(StartTimeout);
        var postgresPid = PostmasterPid();

        silo.Signal(Signals.SigKill);

        await ProcessState.WaitUntilGoneAsync(postgresPid, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Starts_from_a_private_directory_that_the_postgres_account_cannot_enter()
    {
        // As a checkout under /root or a mktemp -d folder: only its owner may enter.
        File.SetUnixFileMode(_workingDirectory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var locationFile = Path.Combine(DataDirectory, "postgres", "data-location");
        try
        {
            await using var silo = SiloProcess.Start(_workingDirectory.Path);
            await silo.WaitUntilReadyAsync(StartTimeout);

            await AssertHealthyAsync(silo.BaseAddress);
            await AssertDemoTenantsAnswerAsync(silo.BaseAddress);
            if (Environment.UserName == "root")
            {
                var dataDirectory = File.ReadAllText(locationFile).Trim();
                dataDirectory.Should().StartWith("/var/lib/postgresql/orleans-tenants/");
                silo.Output.Should().Contain($"PostgreSQL data: {dataDirectory}");
                File.Exists(Path.Combine(dataDirectory, "PG_VERSION")).Should().BeTrue();
            }

            silo.Signal(Signals.SigInt);
            (await silo.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0);
        }
        finally
        {
            if (File.Exists(locationFile))
            {
                Directory.Delete(Path.GetDirectoryName(File.ReadAllText(locationFile).Trim())!, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Without_the_postgres_programs_the_silo_stops_with_one_line_naming_the_package_to_install()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_workingDirectory.Path, "no-postgres")).FullName;

        await using var silo = SiloProcess.Start(_workingDirectory.Path, ["--Embedded:PostgresBinDirectory", empty]);

        (await silo.WaitForExitAsync(StartTimeout)).Should().Be(1);
        silo.Output.Split('\n').Should().ContainSingle(line => line.StartsWith("Cannot start the embedded PostgreSQL: ", StringComparison.Ordinal))
            .Which.Should().Contain("apt-get install -y postgresql").And.Contain(empty).And.Contain("Embedded:PostgresBinDirectory");
        silo.Output.Should().NotContain("Unhandled exception").And.NotContain("   at ");
    }

    public void Dispose() => _workingDirectory.Dispose();

    private int PostmasterPid() =>
        int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postgres", "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    /// <summary>Every demo tenant, whatever its placement, serves its CRM data to its own key.</summary>
    private async Task AssertDemoTenantsAnswerAsync(Uri baseAddress)
    {
        var keys = File.ReadLines(Path.Combine(DataDirectory, "demo-keys.txt"))
            .Select(line => DemoKeyLine().Match(line))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups["tenant"].Value, match => match.Groups["key"].Value);
        keys.Keys.Should().Contain(["acme", "globex", "initech", "hooli"]);
        foreach (var (tenant, key) in keys)
        {
            using var http = new HttpClient { BaseAddress = baseAddress };
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
            using var response = await http.GetAsync($"/api/tenants/{tenant}/accounts?limit=1");
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"{tenant}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [GeneratedRegex("^(?<tenant>[a-z0-9-]+) API key: (?<key>otk_\\S+)$")]
    private static partial Regex DemoKeyLine();

    private static async Task AssertHealthyAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        (await http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        var ready = await http.GetAsync("/readyz");
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ready.Content.ReadAsStringAsync()).Should().Contain("\"catalog\"").And.Contain("healthy");
    }
}
