using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Every kind of bad input is a <see cref="CrmValidationException"/> naming the field, and writes nothing.</summary>
public sealed class CrmValidationTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    private const string Uuid = "6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b";

    [Theory]
    [InlineData("accounts", """{"name":"A","nickname":"x"}""", "nickname", "is not a field of accounts")]
    [InlineData("accounts", """{"name":42}""", "name", "must be a string")]
    [InlineData("accounts", """{"name":{"first":"A"}}""", "name", "must be a string")]
    [InlineData("accounts", """{"name":["A"]}""", "name", "must be a string")]
    [InlineData("accounts", """{"industry":"Retail"}""", "name", "is required")]
    [InlineData("accounts", """{"name":null}""", "name", "is required")]
    [InlineData("accounts", """{"name":""}""", "name", "must not be empty")]
    [InlineData("accounts", """{"name":"A","phone":"012345678901234567890123456789012345678901234567890"}""", "phone", "must be at most 50 characters long")]
    [InlineData("accounts", """{"name":"A","email":"a\u0000b"}""", "email", "NUL")]
    [InlineData("accounts", """{"name":"A","email":"\ud800"}""", "email", "Unicode")]
    [InlineData("accounts", """{"name":"A","name":"B"}""", "name", "appears more than once")]
    [InlineData("accounts", """{"id":"6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b","name":"A"}""", "id", "is read-only")]
    [InlineData("accounts", """{"name":"A","createdAt":"2025-01-01T00:00:00Z"}""", "createdAt", "is read-only")]
    [InlineData("accounts", """{"name":"A","updatedAt":"2025-01-01T00:00:00Z"}""", "updatedAt", "is read-only")]
    [InlineData("leads", """{"lastName":"L","status":"hot"}""", "status", "must be one of: new, contacted, qualified, unqualified, converted")]
    [InlineData("leads", """{"lastName":"L","status":"NEW"}""", "status", "must be one of")]
    [InlineData("leads", """{"lastName":"L","status":null}""", "status", "cannot be null")]
    [InlineData("opportunities", """{"name":"O","amount":-0.01}""", "amount", "must be at least 0")]
    [InlineData("opportunities", """{"name":"O","amount":"10"}""", "amount", "must be a number")]
    [InlineData("opportunities", """{"name":"O","amount":1.234}""", "amount", "at most 2 decimal places")]
    [InlineData("opportunities", """{"name":"O","amount":1e15}""", "amount", "must be at most")]
    [InlineData("opportunities", """{"name":"O","probability":101}""", "probability", "must be at most 100")]
    [InlineData("opportunities", """{"name":"O","probability":1.5}""", "probability", "must be an integer")]
    [InlineData("opportunities", """{"name":"O","closeDate":"2025-13-01"}""", "closeDate", "yyyy-MM-dd")]
    [InlineData("opportunities", """{"name":"O","closeDate":"31/12/2025"}""", "closeDate", "yyyy-MM-dd")]
    [InlineData("opportunities", """{"name":"O","closeDate":"2025-12-31T00:00:00Z"}""", "closeDate", "yyyy-MM-dd")]
    [InlineData("opportunities", """{"name":"O","accountId":"not-a-uuid"}""", "accountId", "must be a UUID")]
    [InlineData("opportunities", """{"name":"O","accountId":"{6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b}"}""", "accountId", "must be a UUID")]
    [InlineData("events", """{"name":"E","startsAt":"2025-01-01T10:00:00"}""", "startsAt", "UTC offset")]
    [InlineData("events", """{"name":"E","startsAt":"tomorrow"}""", "startsAt", "ISO 8601")]
    [InlineData("events", """{"name":"E","startsAt":"2025-02-30T10:00:00Z"}""", "startsAt", "ISO 8601")]
    [InlineData("events", """{"name":"E","startsAt":1735725600}""", "startsAt", "must be a string")]
    [InlineData("events", """{"name":"E","startsAt":"2025-01-01T10:00:00Z","endsAt":"2025-01-01T09:00:00Z"}""", "endsAt", "must not be before startsAt")]
    [InlineData("payments", """{"invoiceId":"6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b","amount":0}""", "amount", "must be greater than 0")]
    [InlineData("payments", """{"amount":5}""", "invoiceId", "is required")]
    [InlineData("opportunity-line-items", """{"productName":"P"}""", "opportunityId", "is required")]
    [InlineData("invoices", """{"number":"1","currency":"usd"}""", "currency", "ISO 4217")]
    [InlineData("invoices", """{"number":"1","currency":"EURO"}""", "currency", "at most 3")]
    [InlineData("contact-accounts", """{"contactId":"6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b","accountId":"6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b","isPrimary":"yes"}""", "isPrimary", "must be true or false")]
    [InlineData("accounts", "[]", "$", "JSON object")]
    [InlineData("accounts", "\"name\"", "$", "JSON object")]
    [InlineData("accounts", "null", "$", "JSON object")]
    public async Task Bad_input_on_create_is_refused_naming_the_field(string resource, string body, string field, string reason)
    {
        var tenant = CrmDatabase.NewTenant();
        var before = await database.CountAllAsync();

        var act = () => database.CreateAsync(tenant, resource, body);

        var error = (await act.Should().ThrowAsync<CrmValidationException>()).Which;
        error.Resource.Should().Be(resource);
        error.Errors.Should().Contain(e => e.Field == field && e.Reason.Contains(reason, StringComparison.Ordinal));
        error.ToErrorMap().Should().ContainKey(field);
        (await database.CountAllAsync()).Should().Equal(before);
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var act = () => database.CreateAsync(CrmDatabase.NewTenant(), "opportunities", """{"stage":"maybe","amount":-1,"bogus":true}""");

        var error = (await act.Should().ThrowAsync<CrmValidationException>()).Which;
        error.Errors.Select(e => e.Field).Should().BeEquivalentTo(["stage", "amount", "bogus", "name"]);
        error.Message.Should().Contain("stage").And.Contain("bogus");
    }

    [Fact]
    public async Task Unknown_field_names_are_shortened_and_stripped_of_control_characters()
    {
        var name = "evil\u001b[31m" + new string('x', 500);
        var act = () => database.CreateAsync(CrmDatabase.NewTenant(), "accounts", new Dictionary<string, object> { ["name"] = "A", [name] = 1 });

        var error = (await act.Should().ThrowAsync<CrmValidationException>()).Which;
        var field = error.Errors.Single().Field;
        field.Length.Should().BeLessThan(70);
        field.Should().NotContain("\u001b").And.StartWith("evil");
    }

    [Fact]
    public async Task A_reference_to_a_missing_row_is_a_validation_error_on_that_field()
    {
        var tenant = CrmDatabase.NewTenant();
        var before = await database.CountAllAsync();

        var act = () => database.CreateAsync(tenant, "contacts", new { firstName = "F", lastName = "L", accountId = Uuid });
        var payment = () => database.CreateAsync(tenant, "payments", new { invoiceId = Uuid, amount = 5 });

        (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
            .Which.Should().Be(new CrmFieldError("accountId", "no account with this id in this tenant"));
        (await payment.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
            .Which.Should().Be(new CrmFieldError("invoiceId", "no invoice with this id in this tenant"));
        (await database.CountAllAsync()).Should().Equal(before);
    }

    [Theory]
    [InlineData("""{"name":null}""", "name", "is required and cannot be cleared")]
    [InlineData("""{"name":""}""", "name", "must not be empty")]
    [InlineData("""{"website":7}""", "website", "must be a string")]
    [InlineData("""{"id":"6f1c1f55-3a4e-4a43-9a3e-0c1d2e3f4a5b"}""", "id", "is read-only")]
    [InlineData("""{"colour":"red"}""", "colour", "is not a field of accounts")]
    [InlineData("[1]", "$", "JSON object")]
    public async Task Bad_input_on_patch_is_refused_and_the_row_is_unchanged(string patch, string field, string reason)
    {
        var tenant = CrmDatabase.NewTenant();
        var created = await database.CreateAsync(tenant, "accounts", new { name = "Acme", website = "https://acme.test" });

        var act = () => database.PatchAsync(tenant, "accounts", created.Id, patch);

        (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors
            .Should().Contain(e => e.Field == field && e.Reason.Contains(reason, StringComparison.Ordinal));
        (await database.GetAsync(tenant, "accounts", created.Id))!.Value.GetRawText().Should().Be(created.Row.GetRawText());
    }

    [Fact]
    public async Task Patching_a_reference_to_a_missing_row_is_refused()
    {
        var tenant = CrmDatabase.NewTenant();
        var contact = await database.CreateAsync(tenant, "contacts", new { firstName = "F", lastName = "L" });

        var act = () => database.PatchAsync(tenant, "contacts", contact.Id, new { accountId = Uuid });

        (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "accountId");
        (await database.GetAsync(tenant, "contacts", contact.Id))!.Value.GetProperty("accountId").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
    }

    [Theory]
    [InlineData("")]
    [InlineData("key\nwith newline")]
    [InlineData("ключ")]
    public async Task A_malformed_idempotency_key_is_refused(string key)
    {
        var before = await database.CountAllAsync();

        var act = () => database.CreateAsync(CrmDatabase.NewTenant(), "accounts", new { name = "A" }, key);

        (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "Idempotency-Key");
        (await database.CountAllAsync()).Should().Equal(before);
    }
}
