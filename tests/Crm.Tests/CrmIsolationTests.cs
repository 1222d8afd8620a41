using System.Text.Json;
using FluentAssertions;
using Npgsql;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Tenant B's rows never reach tenant A: not by list, filter, get, patch or delete, nor by reference.</summary>
public sealed class CrmIsolationTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    private readonly string _a = CrmDatabase.NewTenant();
    private readonly string _b = CrmDatabase.NewTenant();

    [Fact]
    public async Task Lists_and_filters_show_only_the_tenants_own_rows()
    {
        var (aAccount, bAccount) = await SeedAsync();

        var all = await database.ListAsync(_a, "accounts");
        var byIndustry = await database.ListAsync(_a, "accounts", new Dictionary<string, string?> { ["industry"] = "Shared" });
        var byEmail = await database.ListAsync(_a, "accounts", new Dictionary<string, string?> { ["email"] = "same@example.com" });
        var contactsOfB = await database.ListAsync(_a, "contacts", new Dictionary<string, string?> { ["accountId"] = bAccount.ToString() });
        var contactsOfA = await database.ListAsync(_a, "contacts", new Dictionary<string, string?> { ["accountId"] = aAccount.ToString() });

        Ids(all).Should().Equal(aAccount);
        Ids(byIndustry).Should().Equal(aAccount);
        Ids(byEmail).Should().Equal(aAccount);
        Ids(contactsOfB).Should().BeEmpty();
        Ids(contactsOfA).Should().HaveCount(1);
        all.GetRawText().Should().NotContain("B-only");
    }

    [Fact]
    public async Task Get_patch_and_delete_by_another_tenants_id_find_nothing_and_change_nothing()
    {
        var (_, bAccount) = await SeedAsync();
        var before = (await database.GetAsync(_b, "accounts", bAccount))!.Value.GetRawText();

        (await database.GetAsync(_a, "accounts", bAccount)).Should().BeNull();
        (await database.PatchAsync(_a, "accounts", bAccount, new { name = "hijacked" })).Should().BeNull();
        (await database.DeleteAsync(_a, "accounts", bAccount)).Should().BeFalse();

        (await database.GetAsync(_b, "accounts", bAccount))!.Value.GetRawText().Should().Be(before);
    }

    [Fact]
    public async Task A_reference_to_another_tenants_row_is_a_validation_error()
    {
        var (aAccount, bAccount) = await SeedAsync();
        var before = await database.CountAllAsync();

        var create = () => database.CreateAsync(_a, "contacts", new { firstName = "F", lastName = "L", accountId = bAccount });
        (await create.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
            .Which.Should().Be(new CrmFieldError("accountId", "no account with this id in this tenant"));

        var contact = await database.CreateAsync(_a, "contacts", new { firstName = "F", lastName = "L", accountId = aAccount });
        var patch = () => database.PatchAsync(_a, "contacts", contact.Id, new { accountId = bAccount });
        (await patch.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "accountId");

        (await database.GetAsync(_a, "contacts", contact.Id))!.Value.GetProperty("accountId").GetGuid().Should().Be(aAccount);
        (await database.CountAllAsync())["contacts"].Should().Be(before["contacts"] + 1);
    }

    [Fact]
    public async Task Row_level_security_backs_the_filter_when_the_tenant_setting_disagrees()
    {
        var (_, bAccount) = await SeedAsync();

        // The transaction is set up for A, but the repository is (wrongly) asked for B.
        var list = await database.InTenantAsync(_a, async connection =>
            CrmDatabase.Parse(await CrmRepository.ListAsync(connection, CrmResources.Get("accounts"), _b, ListQuery.Default(CrmResources.Get("accounts")), ListQuery.DefaultExactCountCap, CancellationToken.None))!.Value);
        var get = await database.InTenantAsync(_a, connection => CrmRepository.GetAsync(connection, CrmResources.Get("accounts"), _b, bAccount, CancellationToken.None));
        var insert = () => database.InTenantAsync(_a, connection =>
            CrmRepository.CreateAsync(connection, CrmResources.Get("accounts"), _b, CrmDatabase.ToElement(new { name = "planted" }), null, CancellationToken.None));

        Ids(list).Should().BeEmpty();
        get.Should().BeNull();
        (await insert.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.InsufficientPrivilege);
    }

    [Fact]
    public async Task The_tenant_filter_holds_on_its_own_without_row_level_security()
    {
        var (aAccount, bAccount) = await SeedAsync();
        var accounts = CrmResources.Get("accounts");
        var contacts = CrmResources.Get("contacts");

        // A superuser bypasses row-level security: only the statements' own tenant filter is left.
        await using var connection = await database.Admin.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var list = CrmDatabase.Parse(await CrmRepository.ListAsync(connection, accounts, _a, ListQuery.Default(accounts), ListQuery.DefaultExactCountCap, CancellationToken.None))!.Value;
        var filtered = CrmDatabase.Parse(await CrmRepository.ListAsync(connection, contacts, _a,
            ListQuery.Parse(contacts, new Dictionary<string, string?> { ["accountId"] = bAccount.ToString() }), ListQuery.DefaultExactCountCap, CancellationToken.None))!.Value;
        var get = await CrmRepository.GetAsync(connection, accounts, _a, bAccount, CancellationToken.None);
        var patch = await CrmRepository.PatchAsync(connection, accounts, _a, bAccount, CrmDatabase.ToElement(new { name = "hijacked" }), CancellationToken.None);
        var delete = await CrmRepository.DeleteAsync(connection, accounts, _a, bAccount, CancellationToken.None);
        var reference = () => CrmRepository.CreateAsync(connection, contacts, _a, CrmDatabase.ToElement(new { firstName = "F", lastName = "L", accountId = bAccount }), null, CancellationToken.None);

        Ids(list).Should().Equal(aAccount);
        Ids(filtered).Should().BeEmpty();
        get.Should().BeNull();
        patch.Should().BeNull();
        delete.Should().BeFalse();
        (await reference.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "accountId");
        await transaction.RollbackAsync();
    }

    private async Task<(Guid A, Guid B)> SeedAsync()
    {
        var a = await database.CreateAsync(_a, "accounts", new { name = "A-only", industry = "Shared", email = "same@example.com" });
        var b = await database.CreateAsync(_b, "accounts", new { name = "B-only", industry = "Shared", email = "same@example.com" });
        await database.CreateAsync(_a, "contacts", new { firstName = "A", lastName = "Contact", accountId = a.Id });
        await database.CreateAsync(_b, "contacts", new { firstName = "B", lastName = "Contact", accountId = b.Id });
        return (a.Id, b.Id);
    }

    private static List<Guid> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
}
