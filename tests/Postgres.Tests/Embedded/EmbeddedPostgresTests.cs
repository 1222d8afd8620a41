using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Postgres.Embedded;
using OrleansTenants.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace OrleansTenants.Postgres.Tests.Embedded;

public sealed class EmbeddedPostgresTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Starts_accepts_queries_and_stops()
    {
        using var root = new TemporaryDirectory();
        await using var server = await StartAsync(root.Path);

        (await QueryAsync<string>(server, "select version()")).Should().StartWith("PostgreSQL");
        ProcessState.IsAlive(server.ServerProcessId).Should().BeTrue();
        (await ProcessState.AcceptsConnectionsAsync(server.Port)).Should().BeTrue();

        await server.StopAsync();
        await server.StopAsync(); // Idempotent.

        ProcessState.IsAlive(server.ServerProcessId).Should().BeFalse();
        (await ProcessState.AcceptsConnectionsAsync(server.Port)).Should().BeFalse();
    }

    [Fact]
    public async Task Second_start_reuses_the_cluster_and_its_data_with_the_settings_of_that_start()
    {
        using var root = new TemporaryDirectory();
        var fresh = Stopwatch.StartNew();
        await using (var first = await StartAsync(root.Path))
        {
            output.WriteLine($"fresh start (initdb): {fresh.ElapsedMilliseconds} ms");
            first.CreatedCluster.Should().BeTrue();
            (await QueryAsync<string>(first, "show max_connections")).Should().Be("300");
            await QueryAsync<int>(first, "create table kept (id int); insert into kept values (42); select 1");
        }

        var reused = Stopwatch.StartNew();
        await using var second = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { RootDirectory = root.Path, Durable = false, MaxConnections = 42 }, NullLogger.Instance);
        output.WriteLine($"reused start: {reused.ElapsedMilliseconds} ms");

        second.CreatedCluster.Should().BeFalse();
        (await QueryAsync<int>(second, "select id from kept")).Should().Be(42);
        (await QueryAsync<string>(second, "show max_connections")).Should().Be("42");
    }

    [Fact]
    public async Task Start_stops_a_server_left_running_on_the_same_cluster()
    {
        using var root = new TemporaryDirectory();
        await using var earlier = await StartAsync(root.Path);

        await using var later = await StartAsync(root.Path);

        ProcessState.IsAlive(earlier.ServerProcessId).Should().BeFalse();
        (await QueryAsync<int>(later, "select 1")).Should().Be(1);
    }

    [Fact]
    public async Task Start_fails_fast_with_the_server_log_when_the_port_is_taken()
    {
        using var root = new TemporaryDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var options = new EmbeddedPostgresOptions { RootDirectory = root.Path, Port = port, Durable = false };

        var start = () => EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Address already in use");
    }

    [Fact]
    public void Locate_names_the_package_to_install_when_no_binaries_are_found()
    {
        var locate = () => PostgresBinaries.Locate(["/nonexistent"]);

        var error = locate.Should().Throw<PostgresBinariesNotFoundException>().Which;
        error.Message.Should().Contain("apt-get install -y postgresql").And.Contain("/nonexistent");
        error.SearchedDirectories.Should().Equal("/nonexistent");
    }

    [Fact]
    public async Task Start_fails_without_binaries()
    {
        using var root = new TemporaryDirectory();
        var options = new EmbeddedPostgresOptions { RootDirectory = root.Path, BinSearchDirectories = ["/nonexistent"] };

        var start = () => EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        await start.Should().ThrowAsync<PostgresBinariesNotFoundException>();
    }

    [Fact]
    public void Locate_finds_the_installed_server()
    {
        var directory = PostgresBinaries.Locate();

        File.Exists(Path.Combine(directory, "postgres")).Should().BeTrue();
    }

    private static Task<EmbeddedPostgres> StartAsync(string root) =>
        EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = root, Durable = false }, NullLogger.Instance);

    private static async Task<T> QueryAsync<T>(EmbeddedPostgres server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
