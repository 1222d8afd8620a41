using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Create, get, list, patch and delete for every resource of the registry, each step in its own transaction.</summary>
public sealed class CrmCrudTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    public static TheoryData<string> Resources() => [.. CrmResources.All.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task Round_trip_with_every_field(string name)
    {
        var resource = CrmResources.Get(name);
        var tenant = CrmDatabase.NewTenant();
        var body = await CrmSamples.FullBodyAsync(database, tenant, resource);

        var (replayed, created, id) = await database.CreateAsync(tenant, name, body);

        replayed.Should().BeFalse();
        created.GetProperty("id").GetGuid().Should().Be(id);
        foreach (var (field, value) in body)
        {
            CrmSamples.ShouldMatch(created, resource[field], value);
        }

        created.EnumerateObject().Select(p => p.Name).Should().Equal(resource.Fields.Select(f => f.Name));
        var fetched = (await database.GetAsync(tenant, name, id))!.Value;
        fetched.GetRawText().Should().Be(created.GetRawText());

        var list = await database.ListAsync(tenant, name, new Dictionary<string, string?> { ["limit"] = "500" });
        list.GetProperty("items").EnumerateArray().Select(i => i.GetRawText()).Should().Contain(created.GetRawText());
        list.GetProperty("nextCursor").ValueKind.Should().Be(JsonValueKind.Null);

        var change = resource.WritableFields.First(f => f.References is null);
        var clear = resource.WritableFields.FirstOrDefault(f => f.Nullable && f != change);
        var patch = new Dictionary<string, object?> { [change.Name] = CrmSamples.OtherValue(change) };
        if (clear is not null)
        {
            patch[clear.Name] = null;
        }

        var patched = (await database.PatchAsync(tenant, name, id, patch))!.Value;

        var afterPatch = (await database.GetAsync(tenant, name, id))!.Value;
        afterPatch.GetRawText().Should().Be(patched.GetRawText());
        CrmSamples.ShouldMatch(afterPatch, change, patch[change.Name]);
        if (clear is not null)
        {
            afterPatch.GetProperty(clear.Name).ValueKind.Should().Be(JsonValueKind.Null);
        }

        foreach (var field in resource.WritableFields.Where(f => f != change && f != clear))
        {
            CrmSamples.ShouldMatch(afterPatch, field, body[field.Name]);
        }

        afterPatch.GetProperty("createdAt").GetString().Should().Be(created.GetProperty("createdAt").GetString());
        Instant(afterPatch, "updatedAt").Should().BeAfter(Instant(created, "updatedAt"));

        (await database.DeleteAsync(tenant, name, id)).Should().BeTrue();
        (await database.GetAsync(tenant, name, id)).Should().BeNull();
        (await database.DeleteAsync(tenant, name, id)).Should().BeFalse();
        (await database.PatchAsync(tenant, name, id, patch)).Should().BeNull();
    }

    [Fact]
    public async Task Defaults_apply_to_fields_left_out_and_responses_are_typed()
    {
        var tenant = CrmDatabase.NewTenant();
        var invoice = (await database.CreateAsync(tenant, "invoices", new { number = "1001" })).Row;

        invoice.GetProperty("status").GetString().Should().Be("draft");
        invoice.GetProperty("currency").GetString().Should().Be("USD");
        invoice.GetProperty("total").ValueKind.Should().Be(JsonValueKind.Number);
        invoice.GetProperty("total").GetDecimal().Should().Be(0m);
        invoice.GetProperty("dueDate").ValueKind.Should().Be(JsonValueKind.Null);
        invoice.GetProperty("createdAt").GetString().Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$");

        var opportunity = (await database.CreateAsync(tenant, "opportunities", new { name = "Deal", closeDate = "2025-12-31", amount = 10.5m })).Row;
        opportunity.GetProperty("closeDate").GetString().Should().Be("2025-12-31");
        opportunity.GetProperty("amount").GetRawText().Should().Be("10.50");
        opportunity.GetProperty("stage").GetString().Should().Be("prospecting");
    }

    [Fact]
    public async Task An_empty_patch_changes_nothing()
    {
        var tenant = CrmDatabase.NewTenant();
        var created = await database.CreateAsync(tenant, "accounts", new { name = "Acme" });

        var patched = await database.PatchAsync(tenant, "accounts", created.Id, new { });

        patched!.Value.GetRawText().Should().Be(created.Row.GetRawText());
    }

    [Fact]
    public async Task Patching_an_event_checks_endsAt_against_the_stored_startsAt()
    {
        var tenant = CrmDatabase.NewTenant();
        var created = await database.CreateAsync(tenant, "events", new { name = "Fair", startsAt = "2025-05-01T10:00:00Z", endsAt = "2025-05-01T12:00:00Z" });
        var before = await database.CountAllAsync();

        var tooEarly = () => database.PatchAsync(tenant, "events", created.Id, new { endsAt = "2025-05-01T09:59:59Z" });
        var startsAfterEnd = () => database.PatchAsync(tenant, "events", created.Id, new { startsAt = "2025-05-01T12:00:01Z" });

        (await tooEarly.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "endsAt");
        (await startsAfterEnd.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "endsAt");
        (await database.GetAsync(tenant, "events", created.Id))!.Value.GetRawText().Should().Be(created.Row.GetRawText());
        (await database.CountAllAsync()).Should().Equal(before);

        var moved = await database.PatchAsync(tenant, "events", created.Id, new { startsAt = "2025-05-01T13:00:00Z", endsAt = "2025-05-01T14:00:00Z" });
        moved!.Value.GetProperty("startsAt").GetString().Should().Be("2025-05-01T13:00:00.000000Z");
    }

    [Fact]
    public async Task Deleting_an_account_clears_references_to_it_and_removes_its_links()
    {
        var tenant = CrmDatabase.NewTenant();
        var account = await database.CreateAsync(tenant, "accounts", new { name = "Acme" });
        var contact = await database.CreateAsync(tenant, "contacts", new { firstName = "F", lastName = "L", accountId = account.Id });
        var link = await database.CreateAsync(tenant, "contact-accounts", new { contactId = contact.Id, accountId = account.Id });

        (await database.DeleteAsync(tenant, "accounts", account.Id)).Should().BeTrue();

        (await database.GetAsync(tenant, "contacts", contact.Id))!.Value.GetProperty("accountId").ValueKind.Should().Be(JsonValueKind.Null);
        (await database.GetAsync(tenant, "contact-accounts", link.Id)).Should().BeNull();
    }

    private static DateTimeOffset Instant(JsonElement row, string field) =>
        DateTimeOffset.Parse(row.GetProperty(field).GetString()!, CultureInfo.InvariantCulture);
}
