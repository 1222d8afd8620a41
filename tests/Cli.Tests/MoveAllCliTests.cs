using System.Text.Json.Nodes;
using FluentAssertions;
using Npgsql;
using Xunit;

namespace OrleansTenants.Cli.Tests;

/// <summary>
/// <c>tenants move-all</c> against a real silo: single mode split into a shard set of two databases, planned, run,
/// interrupted, resumed (also after a crash between asking for a move and saving its id) and verified.
/// </summary>
public sealed class MoveAllCliTests(CliSilo silo) : IClassFixture<CliSilo>
{
    private const int TenantCount = 8;

    [Fact]
    public async Task Splits_single_mode_into_a_shard_set_resuming_after_an_interruption_and_a_crash()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var industry = $"split-{suffix}";
        var tenants = Enumerable.Range(1, TenantCount).Select(i => $"split-{suffix}-{i}").ToList();
        foreach (var (id, i) in tenants.Select((id, i) => (id, i)))
        {
            (await silo.RunAsync("tenants", "create", id, "--name", id, "--industry", industry, "--mode", "single")).ExitCode.Should().Be(0);
            await ExecuteAsync(silo.CatalogConnectionString, "INSERT INTO crm.accounts (tenant_id, name) SELECT $1, 'account ' || g FROM generate_series(1, 20 + $2) g", id, i);
        }

        var shards = await CreateShardSetAsync(suffix);
        string[] select = ["tenants", "move-all", "--industry", industry, "--mode", "sharded", "--shard-set", $"set-{suffix}", "--parallel", "2", "--state", $"runs/{suffix}.json"];

        var plan = await silo.RunAsync([.. select, "--dry-run"]);
        plan.ExitCode.Should().Be(0, plan.ToString());
        plan.Output.Should().Contain($"Plan: {TenantCount} of {TenantCount} tenants (of industry {industry})").And.Contain("Dry run: nothing was changed.");
        plan.Output.Should().MatchRegex($@"(?m)^{tenants[0]}\s+main\s+shard-{suffix}-[ab]\s+online\s+20\s+");
        plan.Output.Should().MatchRegex($@"(?m)^accounts\s+{Enumerable.Range(0, TenantCount).Sum(i => 20 + i)} *$").And.MatchRegex(@"Estimated time: \d+");
        File.Exists(StatePath(suffix)).Should().BeFalse("a dry run changes nothing");

        // Interrupted (as Ctrl-C does) once the first tenant is moved.
        using var interrupt = new CancellationTokenSource();
        var first = silo.RunUntilAsync(interrupt.Token, select);
        await WaitUntilAsync(() => Entries(suffix).Any(e => e["status"]!.GetValue<string>() == "moved"), first);
        await interrupt.CancelAsync();
        var interrupted = await first;
        interrupted.ExitCode.Should().Be(130, interrupted.ToString());
        interrupted.Output.Should().Contain("Interrupted.").And.Contain("run the same command again");

        // A crash right after asking for a move, before its id was saved: the next run must adopt that move, not ask again.
        var crashed = Entries(suffix).First(e => e["status"]!.GetValue<string>() == "planned")["id"]!.GetValue<string>();
        await SimulateCrashAfterStartingAsync(suffix, crashed);

        var resumed = await silo.RunAsync(select);
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Output.Should().Contain("Resuming the run").And.Contain($"{TenantCount} moved, 0 skipped, 0 failed of {TenantCount}")
            .And.Contain("every moved table's row count and checksum matched.").And.NotContain("Password");

        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(StatePath(suffix), ".report.json")))!;
        report["totals"]!["moved"]!.GetValue<int>().Should().Be(TenantCount);
        report["totals"]!["allVerified"]!.GetValue<bool>().Should().BeTrue();
        foreach (var (tenant, i) in report["tenants"]!.AsArray().Select((t, i) => (t!, i)))
        {
            var accounts = tenant["verification"]!.AsArray().Single(t => t!["table"]!.GetValue<string>() == "accounts")!;
            accounts["sourceRows"]!.GetValue<long>().Should().Be(20 + tenants.IndexOf(tenant["id"]!.GetValue<string>()));
            accounts["targetChecksum"]!.GetValue<string>().Should().Be(accounts["sourceChecksum"]!.GetValue<string>());
        }

        foreach (var id in tenants)
        {
            var moves = JsonNode.Parse((await silo.RunAsync("--json", "tenants", "moves", id)).Output)!.AsArray();
            moves.Should().ContainSingle("each tenant is moved once, the crashed run's move adopted")
                .Which!["status"]!.GetValue<string>().Should().Be("completed");
            shards.Should().Contain(moves[0]!["toDatabase"]!.GetValue<string>());
            (await CountAsync(silo.CatalogConnectionString, "SELECT count(*) FROM crm.accounts WHERE tenant_id = $1", id)).Should().Be(0, "the source's rows are deleted after the move");
        }

        (await CountAsync(silo.CatalogConnectionString,
            "SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'ot_move_%' AND database = current_database()) "
            + "+ (SELECT count(*) FROM pg_publication WHERE pubname LIKE 'ot_move_%')", null)).Should().Be(0, "no replication object is left behind");

        var again = await silo.RunAsync(select);
        again.ExitCode.Should().Be(0, again.ToString());
        again.Output.Should().Contain($"{TenantCount} of {TenantCount} tenants done");
    }

    [Fact]
    public async Task Refuses_without_a_selector_and_dedicated_without_created_databases()
    {
        var unselected = await silo.RunAsync("tenants", "move-all", "--mode", "shared", "--database", "anywhere");
        unselected.ExitCode.Should().NotBe(0);
        unselected.Error.Should().Contain("Select the tenants to move with --from-mode, --from-database, --industry or --tenant.");

        var dedicated = await silo.RunAsync("tenants", "move-all", "--from-mode", "single", "--mode", "dedicated");
        dedicated.ExitCode.Should().Be(1);
        dedicated.Error.Should().Contain("needs --create-database");

        var parallel = await silo.RunAsync("tenants", "move-all", "--from-mode", "single", "--mode", "single", "--parallel", "0");
        parallel.ExitCode.Should().NotBe(0);
        parallel.Error.Should().Contain("--parallel must be between 1 and 16.");

        var none = await silo.RunAsync("tenants", "move-all", "--industry", $"nobody-{Guid.NewGuid():N}", "--mode", "single");
        none.ExitCode.Should().Be(0, none.ToString());
        none.Output.Should().Contain("No tenant is of industry nobody-");
    }

    /// <summary>What a run leaves when it dies between its POST and saving the answer: the count of moves before, no id.</summary>
    private async Task SimulateCrashAfterStartingAsync(string suffix, string tenant)
    {
        var state = JsonNode.Parse(await File.ReadAllTextAsync(StatePath(suffix)))!;
        var entry = state["tenants"]!.AsArray().Single(e => e!["id"]!.GetValue<string>() == tenant)!;
        entry["status"] = "moving";
        entry["movesBefore"] = 0;
        await File.WriteAllTextAsync(StatePath(suffix), state.ToJsonString());
        var started = await silo.RunAsync("tenants", "move", tenant, "--mode", "sharded", "--shard-set", $"set-{suffix}", "--no-wait");
        started.ExitCode.Should().Be(0, started.ToString());
    }

    private async Task<List<string>> CreateShardSetAsync(string suffix)
    {
        List<string> shards = [$"shard-{suffix}-a", $"shard-{suffix}-b"];
        foreach (var shard in shards)
        {
            var database = await silo.ProvisionDatabaseAsync("clisplit");
            (await silo.RunAsync("databases", "add", shard, "--connection-string", database.AppConnectionString, "--migration-connection-string", database.OwnerConnectionString))
                .ExitCode.Should().Be(0);
        }

        (await silo.RunAsync("shard-sets", "create", $"set-{suffix}", shards[0], shards[1])).ExitCode.Should().Be(0);
        return shards;
    }

    private string StatePath(string suffix) => Path.Combine(silo.WorkingDirectory.Path, "runs", $"{suffix}.json");

    private List<JsonNode> Entries(string suffix)
    {
        var path = StatePath(suffix);
        return File.Exists(path) ? [.. JsonNode.Parse(File.ReadAllText(path))!["tenants"]!.AsArray().Select(e => e!)] : [];
    }

    /// <summary>Waits for the condition, failing at once if the run ends first (it would never become true).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Task<CliRun> run)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!condition())
        {
            if (run.IsCompleted)
            {
                throw new InvalidOperationException($"The run ended first: {await run}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, string tenant, int extra)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = tenant }, new() { Value = extra } } };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString, string sql, string? tenant)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (tenant is not null)
        {
            command.Parameters.AddWithValue(tenant);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }
}
