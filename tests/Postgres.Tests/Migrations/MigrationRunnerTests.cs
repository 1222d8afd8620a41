using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Postgres.Tests.Migrations;

public sealed class MigrationRunnerTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly MigrationRunner _runner = new(NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task Applies_pending_scripts_in_version_order_and_records_their_checksums()
    {
        var set = new MigrationSet("ordered", [
            MigrationSet.FromScript("0002_add_column.sql", "ALTER TABLE ordered_items ADD COLUMN label text"),
            MigrationSet.FromScript("0001_create_table.sql", "CREATE TABLE ordered_items (id int PRIMARY KEY)"),
        ]);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);

        var applied = await _runner.ApplyAsync(dataSource, set);
        var again = await _runner.ApplyAsync(dataSource, set);

        applied.Select(m => m.FileName).Should().Equal("0001_create_table.sql", "0002_add_column.sql");
        again.Should().BeEmpty();
        var history = await QueryAsync(dataSource, "SELECT version || ':' || checksum FROM schema_migrations WHERE migration_set = 'ordered' ORDER BY version");
        history.Should().Equal(set.Migrations.Select(m => $"{m.Version}:{m.Checksum}"));
        var columns = await QueryAsync(dataSource, "SELECT column_name FROM information_schema.columns WHERE table_name = 'ordered_items' ORDER BY ordinal_position");
        columns.Should().Equal("id", "label");
    }

    [Fact]
    public async Task Refuses_a_set_whose_applied_file_changed_and_names_the_file()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await _runner.ApplyAsync(dataSource, new MigrationSet("edited", [MigrationSet.FromScript("0001_first.sql", "CREATE TABLE edited_a (id int)")]));

        var edited = new MigrationSet("edited", [
            MigrationSet.FromScript("0001_first.sql", "CREATE TABLE edited_a (id bigint)"),
            MigrationSet.FromScript("0002_second.sql", "CREATE TABLE edited_b (id int)"),
        ]);
        var act = () => _runner.ApplyAsync(dataSource, edited);

        (await act.Should().ThrowAsync<MigrationException>()).Which.Message.Should().Contain("edited/0001_first.sql").And.Contain("changed");
        (await QueryAsync(dataSource, "SELECT count(*)::text FROM pg_tables WHERE tablename = 'edited_b'")).Should().Equal("0");
    }

    [Fact]
    public async Task Refuses_a_database_that_is_newer_than_the_code()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await _runner.ApplyAsync(dataSource, new MigrationSet("newer", [
            MigrationSet.FromScript("0001_a.sql", "SELECT 1"),
            MigrationSet.FromScript("0002_b.sql", "SELECT 2"),
        ]));

        var act = () => _runner.ApplyAsync(dataSource, new MigrationSet("newer", [MigrationSet.FromScript("0001_a.sql", "SELECT 1")]));

        (await act.Should().ThrowAsync<MigrationException>()).Which.Message.Should().Contain("0002_b.sql").And.Contain("newer than the code");
    }

    [Fact]
    public async Task A_failing_script_is_rolled_back_whole_and_not_recorded()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var set = new MigrationSet("failing", [
            MigrationSet.FromScript("0001_ok.sql", "CREATE TABLE failing_ok (id int)"),
            MigrationSet.FromScript("0002_broken.sql", "CREATE TABLE failing_partial (id int); SELECT no_such_column FROM failing_ok"),
        ]);

        var act = () => _runner.ApplyAsync(dataSource, set);

        (await act.Should().ThrowAsync<MigrationException>()).Which.Message.Should().Contain("failing/0002_broken.sql");
        (await QueryAsync(dataSource, "SELECT tablename::text FROM pg_tables WHERE tablename LIKE 'failing_%' ORDER BY 1")).Should().Equal("failing_ok");
        var status = await _runner.GetStatusAsync(dataSource, set);
        status.CurrentVersion.Should().Be(1);
        status.Pending.Should().Equal("0002_broken.sql");
    }

    [Fact]
    public async Task Concurrent_appliers_apply_each_script_exactly_once()
    {
        await using (var setup = NpgsqlDataSource.Create(database.ConnectionString))
        {
            await QueryAsync(setup, "CREATE TABLE IF NOT EXISTS concurrent_runs (n int); SELECT ''");
        }

        // The sleep widens the window in which a second applier would run the script again without the lock.
        var set = new MigrationSet("concurrent", [
            MigrationSet.FromScript("0001_slow.sql", "SELECT pg_sleep(0.3); INSERT INTO concurrent_runs VALUES (1)"),
            MigrationSet.FromScript("0002_next.sql", "INSERT INTO concurrent_runs VALUES (2)"),
        ]);
        var appliers = Enumerable.Range(0, 6).Select(async _ =>
        {
            // Separate pools, as two silos would have.
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            return await _runner.ApplyAsync(dataSource, set);
        });

        var results = await Task.WhenAll(appliers);

        results.Sum(r => r.Count).Should().Be(2);
        await using var check = NpgsqlDataSource.Create(database.ConnectionString);
        (await QueryAsync(check, "SELECT n::text FROM concurrent_runs ORDER BY n")).Should().Equal("1", "2");
    }

    [Fact]
    public async Task Status_lists_pending_scripts_until_they_are_applied()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var set = new MigrationSet("status", [MigrationSet.FromScript("0001_only.sql", "SELECT 1")]);

        var before = await _runner.GetStatusAsync(dataSource, set);
        await _runner.ApplyAsync(dataSource, set);
        var after = await _runner.GetStatusAsync(dataSource, set);

        before.IsCurrent.Should().BeFalse();
        before.Pending.Should().Equal("0001_only.sql");
        after.IsCurrent.Should().BeTrue();
        after.CurrentVersion.Should().Be(1);
        after.Database.Should().Be(database.DatabaseName);
    }

    [Fact]
    public void File_names_must_carry_a_four_digit_version()
    {
        var act = () => MigrationSet.FromScript("create_things.sql", "SELECT 1");

        act.Should().Throw<InvalidOperationException>().WithMessage("*create_things.sql*NNNN_description.sql*");
    }

    private static async Task<List<string>> QueryAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
