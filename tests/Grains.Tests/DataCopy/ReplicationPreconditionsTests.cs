using System.Security.Cryptography;
using FluentAssertions;
using Npgsql;
using OrleansTenants.Grains.DataCopy;
using Xunit;

namespace OrleansTenants.Grains.Tests.DataCopy;

/// <summary>What an online move needs of its servers is checked up front and said in words a person can act on.</summary>
public sealed class ReplicationPreconditionsTests(ReplicationDatabases databases) : IClassFixture<ReplicationDatabases>
{
    [Fact]
    public async Task A_superuser_on_servers_with_logical_wal_and_free_slots_lacks_nothing()
    {
        var source = databases.Server.GetConnectionString(databases.Source);
        var target = databases.Server.GetConnectionString(databases.Target);

        (await ReplicationPreconditions.CheckAsync(source, target, CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_role_that_is_no_superuser_or_cannot_log_in_is_named_with_the_fix()
    {
        var role = $"no_repl_{Guid.NewGuid():N}"[..24];
        var password = RandomNumberGenerator.GetHexString(24, lowercase: true);
        await using var admin = new NpgsqlConnection(databases.Server.GetConnectionString());
        await admin.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE ROLE {role} LOGIN PASSWORD '{password}'", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var source = databases.Server.GetConnectionString("postgres", role, password);
            var target = databases.Server.GetConnectionString(databases.Target, role, "wrong-password");

            var missing = await ReplicationPreconditions.CheckAsync(source, target, CancellationToken.None);

            missing.Should().HaveCount(2);
            missing[0].Should().Contain($"'{role}' is not a superuser on the source server").And.Contain("ALTER ROLE");
            missing[1].Should().Contain($"'{role}' cannot open the target database").And.Contain("28P01");
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP ROLE {role}", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
