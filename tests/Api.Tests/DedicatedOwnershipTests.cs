using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>
/// A dedicated database given with an owner role for migrations: the CRM tables belong to that role, and the
/// application role the tenant's calls use owns nothing (an owner could turn row-level security off).
/// </summary>
public sealed class DedicatedOwnershipTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    [Fact]
    public async Task The_tables_belong_to_the_migration_role_and_the_tenant_is_served_by_the_application_role()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var database = await new DatabaseProvisioner(NullLogger<DatabaseProvisioner>.Instance)
            .CreateAsync(fixture.Cluster.CatalogConnectionString, $"owned_{suffix}", CancellationToken.None);
        var tenant = $"owned-{suffix}";

        var key = await fixture.Cluster.CreateTenantAsync(tenant, new
        {
            mode = "dedicated",
            connectionString = database.AppConnectionString,
            migrationConnectionString = database.OwnerConnectionString,
        });

        await using (var connection = new NpgsqlConnection(fixture.Cluster.Server.GetConnectionString(database.Name)))
        {
            await connection.OpenAsync();
            await using var owners = new NpgsqlCommand("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'crm'", connection);
            await using var reader = await owners.ExecuteReaderAsync();
            var names = new List<string>();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }

            names.Should().Equal($"{database.Name}_owner");
        }

        using var http = fixture.Cluster.TenantClient(key);
        (await http.GetAsync($"/api/tenants/{tenant}/accounts")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
