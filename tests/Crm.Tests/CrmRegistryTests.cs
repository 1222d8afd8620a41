using FluentAssertions;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>The registry against DESIGN.md's minimum table and against the migrated schema.</summary>
public sealed class CrmRegistryTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    // DESIGN.md, "Minimum fields": resource, required fields, other fields, enums.
    public static TheoryData<string, string[], string[]> Minimum() => new()
    {
        { "accounts", ["name"], ["industry", "website", "phone", "email"] },
        { "contacts", ["firstName", "lastName"], ["email", "phone", "accountId"] },
        { "leads", ["lastName"], ["firstName", "company", "email", "status"] },
        { "opportunities", ["name"], ["accountId", "stage", "amount", "closeDate"] },
        { "events", ["name", "startsAt"], ["endsAt", "accountId", "status"] },
        { "invoices", ["number"], ["accountId", "status", "total", "currency", "dueDate"] },
        { "tasks", ["title"], ["status", "dueAt"] },
        { "notes", ["body"], ["accountId"] },
        { "opportunity-line-items", ["opportunityId", "productName"], ["quantity", "unitPrice", "sortOrder"] },
        { "payments", ["invoiceId", "amount"], ["paidAt", "method", "reference"] },
    };

    [Theory]
    [MemberData(nameof(Minimum))]
    public void Every_resource_of_the_design_has_its_minimum_fields(string name, string[] required, string[] others)
    {
        CrmResources.TryGet(name, out var resource).Should().BeTrue();

        resource!.Fields.Take(3).Select(f => (f.Name, f.ReadOnly)).Should().Equal(("id", true), ("createdAt", true), ("updatedAt", true));
        resource.RequiredFields.Select(f => f.Name).Should().BeEquivalentTo(required);
        resource.WritableFields.Select(f => f.Name).Should().Contain(others);
        resource.SortableFields.Select(f => f.Name).Should().Contain(["createdAt", "updatedAt"]);
    }

    [Theory]
    [InlineData("leads", "status", new[] { "new", "contacted", "qualified", "unqualified", "converted" })]
    [InlineData("opportunities", "stage", new[] { "prospecting", "qualification", "proposal", "negotiation", "won", "lost" })]
    [InlineData("events", "status", new[] { "tentative", "confirmed", "cancelled", "completed" })]
    [InlineData("invoices", "status", new[] { "draft", "sent", "paid", "void" })]
    [InlineData("tasks", "status", new[] { "open", "in_progress", "done" })]
    public void Enums_have_the_designed_values_and_are_filterable(string resource, string field, string[] values)
    {
        var definition = CrmResources.Get(resource)[field];

        definition.Type.Should().Be(CrmFieldType.Enum);
        definition.EnumValues.Should().Equal(values);
        definition.Filterable.Should().BeTrue();
    }

    [Fact]
    public void Every_resource_selects_its_id_where_the_row_readers_take_it()
    {
        foreach (var resource in CrmResources.All)
        {
            resource.OrdinalOf(resource["id"]).Should().Be(ResourceDefinition.IdOrdinal, resource.Name);
        }
    }

    [Fact]
    public void Unknown_resources_are_not_found()
    {
        CrmResources.TryGet("Accounts", out _).Should().BeFalse();
        CrmResources.TryGet("accounts; DROP TABLE x", out _).Should().BeFalse();
        CrmResources.TryGet("idempotency-keys", out _).Should().BeFalse();
        CrmResources.All.Select(r => r.Name).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Every_field_maps_to_a_column_and_every_column_to_a_field()
    {
        var columns = await database.InTenantAsync("x", async connection =>
        {
            var result = new List<(string Table, string Column, bool Nullable, bool HasDefault)>();
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT table_name, column_name, is_nullable = 'YES', column_default IS NOT NULL FROM information_schema.columns WHERE table_schema = 'crm'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                result.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
            }

            return result;
        });

        columns.Select(c => c.Table).Distinct().Except(CrmResources.All.Select(r => r.Table))
            .Should().BeEquivalentTo(["attachments", "idempotency_keys"], "every other table is a resource");
        foreach (var resource in CrmResources.All)
        {
            var table = columns.Where(c => c.Table == resource.Table && c.Column != "tenant_id").ToList();
            table.Select(c => c.Column).Should().BeEquivalentTo(resource.Fields.Select(f => f.Column), resource.Name);
            foreach (var field in resource.Fields.Where(f => !f.ReadOnly))
            {
                var column = table.Single(c => c.Column == field.Column);
                field.Nullable.Should().Be(column.Nullable, $"{resource.Name}.{field.Name} nullable");
                field.Required.Should().Be(!column.Nullable && !column.HasDefault, $"{resource.Name}.{field.Name} required");
            }
        }
    }

    [Fact]
    public async Task Every_constraint_the_registry_names_exists_on_its_table()
    {
        var constraints = await database.InTenantAsync("x", async connection =>
        {
            var result = new List<(string Name, string Table, string Type, string? Referenced)>();
            await using var command = new Npgsql.NpgsqlCommand("""
                SELECT c.conname, t.relname, c.contype::text, r.relname
                FROM pg_constraint c
                JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                LEFT JOIN pg_class r ON r.oid = c.confrelid
                WHERE n.nspname = 'crm'
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                result.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }

            return result;
        });

        foreach (var resource in CrmResources.All)
        {
            foreach (var field in resource.Fields.Where(f => f.References is not null))
            {
                constraints.Should().ContainSingle(c => c.Name == field.ForeignKeyConstraint && c.Table == resource.Table && c.Type == "f"
                    && c.Referenced == CrmResources.Get(field.References!).Table, $"{resource.Name}.{field.Name}");
            }

            foreach (var unique in resource.UniqueKeys)
            {
                constraints.Should().ContainSingle(c => c.Name == unique.ConstraintName && c.Table == resource.Table && c.Type == "u");
            }

            foreach (var rule in resource.Rules)
            {
                constraints.Should().ContainSingle(c => c.Name == rule.ConstraintName && c.Table == resource.Table && c.Type == "c");
            }
        }

        constraints.Where(c => c.Type == "f").Select(c => c.Name)
            .Except(CrmResources.All.SelectMany(r => r.Fields).Select(f => f.ForeignKeyConstraint))
            .Should().BeEquivalentTo(["attachments_account_fkey"], "every foreign key of a resource table is a reference field");
    }
}
