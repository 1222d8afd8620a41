using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Npgsql;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>The operators' <c>infra/replica/start-replica.sh</c> really clones, streams, stops and starts a replica again.</summary>
public sealed class ReplicaScriptTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_script_starts_a_streaming_replica_that_stops_and_starts_again_on_its_port()
    {
        await using var primary = await RestartablePostgres.StartNewAsync();
        using var root = new TemporaryDirectory("orleans-tenants-script-replica-");
        File.SetUnixFileMode(root.Path, File.GetUnixFileMode(root.Path) | UnixFileMode.OtherExecute); // The postgres account must get through.
        var replicaRoot = Path.Combine(root.Path, "replica");
        var port = RestartablePostgres.FreeLoopbackPort();
        var start = new[]
        {
            "--primary-port", primary.Port.ToString(CultureInfo.InvariantCulture), "--primary-root", primary.RootDirectory,
            "--root", replicaRoot, "--port", port.ToString(CultureInfo.InvariantCulture),
        };
        var replica = new NpgsqlConnectionStringBuilder(primary.GetConnectionString()) { Port = port, Pooling = false }.ConnectionString;
        try
        {
            await RunScriptAsync(start);
            File.ReadAllText(Path.Combine(replicaRoot, "superuser.password")).Trim()
                .Should().Be(new NpgsqlConnectionStringBuilder(primary.GetConnectionString()).Password, "the replica's root carries the superuser password");
            (await ScalarAsync(replica, "SELECT pg_is_in_recovery()")).Should().Be(true);
            await ShowsNewRowAsync(primary.GetConnectionString(), replica);

            await RunScriptAsync(["--stop", "--root", replicaRoot]);
            (await ProcessState.AcceptsConnectionsAsync(port)).Should().BeFalse("the replica stopped");

            // Again, on the same root and port: the data directory is reused and streaming resumes.
            var again = await RunScriptAsync(start);
            again.Should().Contain("reusing");
            (await ScalarAsync(replica, "SELECT pg_is_in_recovery()")).Should().Be(true);
            await ShowsNewRowAsync(primary.GetConnectionString(), replica);
        }
        finally
        {
            if (await ProcessState.AcceptsConnectionsAsync(port))
            {
                await RunScriptAsync(["--stop", "--root", replicaRoot]);
            }
        }
    }

    private static async Task ShowsNewRowAsync(string primary, string replica)
    {
        var token = Guid.NewGuid();
        await ScalarAsync(primary, "CREATE TABLE IF NOT EXISTS script_probe (token uuid PRIMARY KEY)");
        await ScalarAsync(primary, $"INSERT INTO script_probe VALUES ('{token}')");
        var waiting = Stopwatch.StartNew();
        while (!await ReplicaHasAsync(replica, token))
        {
            waiting.Elapsed.Should().BeLessThan(Deadline, "a row written on the primary reaches the replica");
            await Task.Delay(50);
        }
    }

    private static async Task<bool> ReplicaHasAsync(string replica, Guid token)
    {
        try
        {
            return (bool)(await ScalarAsync(replica, $"SELECT EXISTS (SELECT FROM script_probe WHERE token = '{token}')"))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<string> RunScriptAsync(string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryFiles.Root, "infra", "replica", "start-replica.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        process.ExitCode.Should().Be(0, $"start-replica.sh {string.Join(' ', arguments)} said:\n{text}");
        return text;
    }
}
