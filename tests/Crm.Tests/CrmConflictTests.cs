using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Unique keys clash with a <see cref="CrmConflictException"/> naming the field; per tenant only.</summary>
public sealed class CrmConflictTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    [Fact]
    public async Task A_second_invoice_with_the_same_number_is_a_conflict_on_number()
    {
        var tenant = CrmDatabase.NewTenant();
        await database.CreateAsync(tenant, "invoices", new { number = "2025-001" });
        var before = await database.CountAllAsync();

        var act = () => database.CreateAsync(tenant, "invoices", new { number = "2025-001", total = 5 });

        var conflict = (await act.Should().ThrowAsync<CrmConflictException>()).Which;
        conflict.Resource.Should().Be("invoices");
        conflict.Field.Should().Be("number");
        conflict.Message.Should().StartWith("invoices.number: ").And.NotContain("2025-001").And.NotContainAny("INSERT", "crm.", "tenant_id");
        (await database.CountAllAsync()).Should().Equal(before);
    }

    [Fact]
    public async Task Renaming_an_invoice_to_a_taken_number_is_a_conflict()
    {
        var tenant = CrmDatabase.NewTenant();
        await database.CreateAsync(tenant, "invoices", new { number = "A" });
        var second = await database.CreateAsync(tenant, "invoices", new { number = "B" });

        var act = () => database.PatchAsync(tenant, "invoices", second.Id, new { number = "A" });

        (await act.Should().ThrowAsync<CrmConflictException>()).Which.Field.Should().Be("number");
    }

    [Fact]
    public async Task Two_tenants_may_use_the_same_invoice_number()
    {
        await database.CreateAsync(CrmDatabase.NewTenant(), "invoices", new { number = "1001" });

        var other = await database.CreateAsync(CrmDatabase.NewTenant(), "invoices", new { number = "1001" });

        other.Row.GetProperty("number").GetString().Should().Be("1001");
    }

    [Fact]
    public async Task Linking_a_contact_to_the_same_account_twice_is_a_conflict()
    {
        var tenant = CrmDatabase.NewTenant();
        var account = await database.CreateAsync(tenant, "accounts", new { name = "Acme" });
        var contact = await database.CreateAsync(tenant, "contacts", new { firstName = "F", lastName = "L" });
        await database.CreateAsync(tenant, "contact-accounts", new { contactId = contact.Id, accountId = account.Id });

        var act = () => database.CreateAsync(tenant, "contact-accounts", new { contactId = contact.Id, accountId = account.Id, role = "buyer" });

        var conflict = (await act.Should().ThrowAsync<CrmConflictException>()).Which;
        conflict.Field.Should().Be("accountId");
        conflict.Reason.Should().Be("this contact is already linked to this account");
    }
}
