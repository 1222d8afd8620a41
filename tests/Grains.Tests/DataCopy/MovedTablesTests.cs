using FluentAssertions;
using OrleansTenants.Crm;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Grains.Tests.DataCopy;

/// <summary>
/// A move copies the tables and columns it knows: this holds it to the schema, so a table or column added by a
/// migration and not taught to the registry (or the mover) fails here instead of being left behind by a move.
/// </summary>
public sealed class MovedTablesTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    [Fact]
    public async Task Every_tenant_table_of_the_schema_is_moved_with_every_column()
    {
        var schema = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using (var command = database.Admin.CreateCommand(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'crm' AND table_name IN " +
            "(SELECT table_name FROM information_schema.columns WHERE table_schema = 'crm' AND column_name = 'tenant_id') AND column_name <> 'tenant_id'"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                (schema.TryGetValue(reader.GetString(0), out var columns) ? columns : schema[reader.GetString(0)] = new(StringComparer.Ordinal)).Add(reader.GetString(1));
            }
        }

        TenantDataCopier.Tables.Select(t => t.Name).Should().BeEquivalentTo(schema.Keys);
        foreach (var table in TenantDataCopier.Tables)
        {
            table.Columns.Should().BeEquivalentTo(schema[table.Name], table.Name);
        }
    }

    [Fact]
    public void Parents_are_copied_before_the_rows_that_reference_them()
    {
        var position = TenantDataCopier.Tables.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i);
        foreach (var resource in CrmResources.All)
        {
            foreach (var field in resource.Fields.Where(f => f.References is not null))
            {
                position[CrmResources.Get(field.References!).Table].Should().BeLessThan(position[resource.Table], $"{resource.Name}.{field.Name}");
            }
        }
    }
}
