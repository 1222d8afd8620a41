using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>SQL-looking and unusual text is data: stored verbatim, matched exactly by filters, or refused with a 400.</summary>
public sealed class CrmInjectionTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    public static TheoryData<string> Payloads() =>
    [
        "'; DROP TABLE crm.accounts; --",
        "\" OR 1=1 --",
        "' OR '1'='1",
        "$$; DELETE FROM crm.accounts; $$",
        "$1",
        "\\'; SELECT pg_sleep(10); --",
        "%_*",
        "Ünïcödé 日本語 🎉 \u202e ﷽",
        "x\"); DROP TABLE crm.contacts CASCADE; --",
    ];

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Every_string_field_of_every_resource_stores_the_text_verbatim(string payload)
    {
        var tenant = CrmDatabase.NewTenant();
        var tables = await TablesAsync();
        foreach (var resource in CrmResources.All)
        {
            var body = await CrmSamples.FullBodyAsync(database, tenant, resource);
            var fields = resource.WritableFields.Where(f => f.Type == CrmFieldType.String && f.Pattern is null).ToList();
            foreach (var field in fields)
            {
                body[field.Name] = Truncate(payload, field.MaxLength!.Value);
            }

            var (_, created, id) = await database.CreateAsync(tenant, resource.Name, body);
            var fetched = (await database.GetAsync(tenant, resource.Name, id))!.Value;
            foreach (var field in fields)
            {
                created.GetProperty(field.Name).GetString().Should().Be((string)body[field.Name]!, $"{resource.Name}.{field.Name}");
                fetched.GetProperty(field.Name).GetString().Should().Be((string)body[field.Name]!, $"{resource.Name}.{field.Name}");
            }

            foreach (var field in fields.Where(f => f.Filterable))
            {
                var page = await database.ListAsync(tenant, resource.Name, new Dictionary<string, string?> { [field.Name] = (string)body[field.Name]! });
                page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).Should().Equal([id], $"{resource.Name}.{field.Name}");
            }
        }

        (await TablesAsync()).Should().Equal(tables);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Filter_values_that_do_not_fit_the_type_are_refused(string payload)
    {
        foreach (var resource in CrmResources.All)
        {
            foreach (var field in resource.FilterableFields.Where(f => f.Type is not CrmFieldType.String))
            {
                var act = () => database.ListAsync(CrmDatabase.NewTenant(), resource.Name, new Dictionary<string, string?> { [field.Name] = payload });

                (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == field.Name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Sql_in_the_sort_parameter_or_a_parameter_name_is_refused(string payload)
    {
        var tables = await TablesAsync();
        foreach (var sort in new[] { payload, "-" + payload, "name; " + payload, "name " + payload })
        {
            var act = () => database.ListAsync(CrmDatabase.NewTenant(), "accounts", new Dictionary<string, string?> { ["sort"] = sort });

            (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "sort");
        }

        var unknown = () => database.ListAsync(CrmDatabase.NewTenant(), "accounts", new Dictionary<string, string?> { [payload] = "1" });
        (await unknown.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
            .Which.Reason.Should().Contain("is not a list parameter");

        var cursor = () => database.ListAsync(CrmDatabase.NewTenant(), "accounts", new Dictionary<string, string?> { ["cursor"] = payload });
        (await cursor.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "cursor");

        (await TablesAsync()).Should().Equal(tables);
    }

    [Fact]
    public async Task Sql_in_a_field_name_of_a_body_is_refused()
    {
        var act = () => database.CreateAsync(CrmDatabase.NewTenant(), "accounts", new Dictionary<string, object>
        {
            ["name"] = "A",
            ["name\") VALUES ('x'); DROP TABLE crm.accounts; --"] = "y",
        });

        (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
            .Which.Reason.Should().Be("is not a field of accounts");
    }

    private async Task<List<string>> TablesAsync()
    {
        var tables = new List<string>();
        await using var command = database.Admin.CreateCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'crm' ORDER BY tablename");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        tables.Should().Contain(["accounts", "contacts", "idempotency_keys"]);
        return tables;
    }

    private static string Truncate(string text, int maxCodePoints) =>
        string.Concat(text.EnumerateRunes().Take(maxCodePoints).Select(r => r.ToString()));
}
