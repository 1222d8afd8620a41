using System.Text;
using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Cursors are opaque, checked and bound to their resource and sort.</summary>
public sealed class CrmCursorTests(CrmDatabase database) : IClassFixture<CrmDatabase>
{
    private readonly string _tenant = CrmDatabase.NewTenant();

    [Fact]
    public async Task A_cursor_continues_where_the_page_ended()
    {
        var cursor = await SeedAndGetCursorAsync("-name");

        var next = await database.ListAsync(_tenant, "accounts", new Dictionary<string, string?> { ["sort"] = "-name", ["limit"] = "2", ["cursor"] = cursor });

        next.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).Should().Equal("c", "b");
        Base64Url(cursor).Should().BeTrue();
    }

    [Fact]
    public async Task A_changed_cursor_is_refused()
    {
        var cursor = await SeedAndGetCursorAsync("name");
        var characters = cursor.ToCharArray();
        var middle = characters.Length / 2;
        characters[middle] = characters[middle] == 'A' ? 'B' : 'A';
        var payload = Convert.FromBase64String(ToBase64(cursor));
        var forged = Encoding.UTF8.GetString(payload[..^8]).Replace("\"a", "\"z", StringComparison.Ordinal);
        var forgedCursor = Convert.ToBase64String([.. Encoding.UTF8.GetBytes(forged), .. payload[^8..]]).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        foreach (var tampered in new[] { new string(characters), cursor[..^3], cursor + "AA", forgedCursor, "", "%%%", "null" })
        {
            var act = () => database.ListAsync(_tenant, "accounts", new Dictionary<string, string?> { ["sort"] = "name", ["cursor"] = tampered });

            (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
                .Which.Should().Be(new CrmFieldError("cursor", "is not a valid cursor; use the nextCursor of a previous page"));
        }
    }

    [Theory]
    [InlineData("accounts", "-name")]
    [InlineData("accounts", "createdAt")]
    [InlineData("leads", "name")]
    public async Task A_cursor_of_another_sort_or_resource_is_refused(string resource, string sort)
    {
        var cursor = await SeedAndGetCursorAsync("name");
        var query = new Dictionary<string, string?> { ["cursor"] = cursor, ["sort"] = resource == "leads" ? "lastName" : sort };

        var act = () => database.ListAsync(_tenant, resource, query);

        (await act.Should().ThrowAsync<CrmValidationException>()).Which.Errors.Should().ContainSingle()
            .Which.Reason.Should().Contain("different resource or sort order");
    }

    [Fact]
    public async Task The_last_page_has_no_cursor()
    {
        await SeedAndGetCursorAsync("name");

        var page = await database.ListAsync(_tenant, "accounts", new Dictionary<string, string?> { ["limit"] = "4" });

        page.GetProperty("items").GetArrayLength().Should().Be(4);
        page.GetProperty("nextCursor").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
    }

    private async Task<string> SeedAndGetCursorAsync(string sort)
    {
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            await database.CreateAsync(_tenant, "accounts", new { name });
        }

        var page = await database.ListAsync(_tenant, "accounts", new Dictionary<string, string?> { ["sort"] = sort, ["limit"] = "1" });
        return page.GetProperty("nextCursor").GetString()!;
    }

    private static bool Base64Url(string text) => text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string ToBase64(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text + new string('=', (4 - (text.Length % 4)) % 4);
    }
}
