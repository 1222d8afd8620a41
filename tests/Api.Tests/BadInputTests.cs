using System.Net;
using System.Net.Http.Json;
using System.Text;
using FluentAssertions;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>Bad input gets a 4xx problem naming the field and the reason, and changes nothing.</summary>
public sealed class BadInputTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    private const string SqlText = "'; DROP TABLE crm.accounts; --";

    public static TheoryData<string, string, string?> InvalidBodies => new()
    {
        { "accounts", "{\"name\": \"unterminated", null },
        { "accounts", "[1, 2, 3]", null },
        { "accounts", "{\"name\": 5}", "name" },
        { "accounts", "{\"name\": \"A\", \"nickname\": \"B\"}", "nickname" },
        { "accounts", "{\"industry\": \"Retail\"}", "name" },
        { "accounts", "{\"name\": \"A\", \"id\": \"00000000-0000-0000-0000-000000000001\"}", "id" },
        { "accounts", "{\"name\": \"" + "x" + "\", \"website\": \"" + "w" + "\", \"phone\": \"" + "0123456789012345678901234567890123456789012345678901234567890\"}", "phone" },
        { "contacts", "{\"firstName\": \"A\", \"lastName\": \"B\", \"accountId\": \"not-a-uuid\"}", "accountId" },
        { "opportunities", "{\"name\": \"A\", \"amount\": -1}", "amount" },
        { "opportunities", "{\"name\": \"A\", \"stage\": \"dreaming\"}", "stage" },
        { "opportunities", "{\"name\": \"A\", \"closeDate\": \"31/12/2026\"}", "closeDate" },
        { "events", "{\"name\": \"A\", \"startsAt\": \"2026-12-02T10:00:00Z\", \"endsAt\": \"2026-12-01T10:00:00Z\"}", "endsAt" },
        { "invoices", "{\"number\": \"X\", \"currency\": \"euro\"}", "currency" },
        { "invoices", "{\"number\": \"Y\", \"currency\": \"ZZZ\"}", "currency" },
        { "tasks", "{\"title\": \"A\", \"status\": null}", "status" },
        { "opportunities", "{\"name\": \"A\", \"amount\": 1e-30}", "amount" },
        { "opportunities", "{\"name\": \"A\", \"amount\": 0.10000000000000000000000000000001}", "amount" },
        { "opportunity-line-items", "{\"productName\": \"A\", \"quantity\": 12.3450000000000000000000000000000000001}", "quantity" },
        { "accounts", "{\"name\": \"A\", \"\\ud800\": 1}", "$" },
    };

    /// <summary>Bodies that are well-formed JSON but not Unicode text where a name or value must be.</summary>
    public static TheoryData<string, byte[], string> UndecodableBodies => new()
    {
        { "accounts", [.. "{\"name\": \"A\", \""u8, 0xFF, .. "\": 1}"u8], "$" },
        { "accounts", [.. "{\"name\": \"A\", \""u8, 0xC0, 0xAF, .. "\": 1}"u8], "$" },
        { "accounts", [.. "{\"name\": \""u8, 0xED, 0xA0, 0x80, .. "\"}"u8], "name" },
    };

    /// <summary>Cursors with a valid checksum (it is not a secret) around text that is not Unicode.</summary>
    public static TheoryData<byte[]> ForgedCursorPayloads => new()
    {
        (byte[])[.. "[1,\"\\ud800\",\"createdAt\",null,\"00000000-0000-0000-0000-000000000001\"]"u8],
        (byte[])[.. "[1,\"accounts\",\""u8, 0xFF, .. "\",null,\"00000000-0000-0000-0000-000000000001\"]"u8],
    };

    /// <summary>Numbers beyond what the field can hold are refused with the field's range, not "must be a number".</summary>
    [Theory]
    [InlineData("opportunities", "{\"name\": \"A\", \"amount\": 1e400}", "amount", "must be at most 999999999999.99")]
    [InlineData("opportunities", "{\"name\": \"A\", \"amount\": -1e400}", "amount", "must be at least 0")]
    [InlineData("opportunities", "{\"name\": \"A\", \"probability\": 123456789012345678901234567890}", "probability", "must be at most 100")]
    public async Task Huge_numbers_are_refused_with_the_fields_range(string resource, string body, string field, string reason)
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = fixture.Cluster.TenantClient(key);

        using var response = await http.PostAsync($"/api/tenants/{tenant}/{resource}", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        ApiCluster.Json(text).GetProperty("errors").GetProperty(field)[0].GetString().Should().Be(reason, text);
    }

    [Theory]
    [MemberData(nameof(UndecodableBodies))]
    public async Task A_body_that_is_not_unicode_text_is_refused_naming_where(string resource, byte[] body, string field)
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = fixture.Cluster.TenantClient(key);
        var before = await CountAsync(http, tenant, resource);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await http.PostAsync($"/api/tenants/{tenant}/{resource}", content);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        ApiCluster.Json(text).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(text);
        (await CountAsync(http, tenant, resource)).Should().Be(before);
    }

    [Theory]
    [MemberData(nameof(ForgedCursorPayloads))]
    public async Task A_forged_cursor_that_is_not_unicode_text_is_refused(byte[] payload)
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = fixture.Cluster.TenantClient(key);
        var cursor = System.Buffers.Text.Base64Url.EncodeToString([.. payload, .. System.Security.Cryptography.SHA256.HashData(payload)[..8]]);

        using var response = await http.GetAsync($"/api/tenants/{tenant}/accounts?cursor={cursor}");

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        ApiCluster.Json(text).GetProperty("errors").TryGetProperty("cursor", out _).Should().BeTrue(text);
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task An_invalid_body_is_refused_with_the_field_and_nothing_is_stored(string resource, string body, string? field)
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = fixture.Cluster.TenantClient(key);
        var before = await CountAsync(http, tenant, resource);

        using var response = await http.PostAsync($"/api/tenants/{tenant}/{resource}", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        if (field is not null)
        {
            ApiCluster.Json(text).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(text);
        }

        (await CountAsync(http, tenant, resource)).Should().Be(before);
    }

    [Theory]
    [InlineData("accounts/not-a-uuid", HttpStatusCode.BadRequest)]
    [InlineData("accounts?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("accounts?limit=501", HttpStatusCode.BadRequest)]
    [InlineData("accounts?limit=ten", HttpStatusCode.BadRequest)]
    [InlineData("accounts?sort=password", HttpStatusCode.BadRequest)]
    [InlineData("accounts?sort=name;DROP%20TABLE%20crm.accounts", HttpStatusCode.BadRequest)]
    [InlineData("accounts?sort=-createdAt%20desc", HttpStatusCode.BadRequest)]
    [InlineData("accounts?owner=me", HttpStatusCode.BadRequest)]
    [InlineData("accounts?cursor=garbage", HttpStatusCode.BadRequest)]
    [InlineData("accounts?industry=a&industry=b", HttpStatusCode.BadRequest)]
    [InlineData("contacts?accountId=1%20OR%201=1", HttpStatusCode.BadRequest)]
    [InlineData("secrets", HttpStatusCode.NotFound)]
    public async Task Bad_paths_and_query_parameters_are_refused(string path, HttpStatusCode expected)
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = fixture.Cluster.TenantClient(key);

        using var response = await http.GetAsync($"/api/tenants/{tenant}/{path}");

        response.StatusCode.Should().Be(expected, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task A_unique_key_clash_is_409_naming_the_field_and_stores_nothing()
    {
        var (tenant, key) = fixture.Tenants["shared"];
        using var http = fixture.Cluster.TenantClient(key);
        var number = $"INV-{Guid.NewGuid():N}";
        (await http.PostAsJsonAsync($"/api/tenants/{tenant}/invoices", new { number })).StatusCode.Should().Be(HttpStatusCode.Created);
        var before = await CountAsync(http, tenant, "invoices");

        using var response = await http.PostAsJsonAsync($"/api/tenants/{tenant}/invoices", new { number });

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Conflict, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        ApiCluster.Json(text).GetProperty("errors").GetProperty("number").GetArrayLength().Should().Be(1, text);
        (await CountAsync(http, tenant, "invoices")).Should().Be(before);
    }

    [Fact]
    public async Task An_oversized_body_gets_413_and_nothing_is_stored()
    {
        var (tenant, key) = fixture.Tenants["dedicated"];
        using var http = fixture.Cluster.TenantClient(key);
        var before = await CountAsync(http, tenant, "notes");

        using var response = await http.PostAsJsonAsync($"/api/tenants/{tenant}/notes", new { body = new string('x', 300 * 1024) });

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await CountAsync(http, tenant, "notes")).Should().Be(before);
    }

    [Fact]
    public async Task Sql_looking_text_is_stored_as_data_and_filters_on_it_match_only_it()
    {
        var (tenant, key) = fixture.Tenants["shared"];
        using var http = fixture.Cluster.TenantClient(key);

        var id = await CrudTests.CreateAsync(http, tenant, "accounts", new
        {
            name = SqlText,
            industry = "\" OR 1=1 --",
            website = "$$; SELECT pg_sleep(10); $$",
            phone = "1); DELETE FROM crm.accounts; --",
            email = "x@y.z' OR '1'='1",
        });

        var row = await CrudTests.GetJsonAsync(http, $"/api/tenants/{tenant}/accounts/{id}");
        row.GetProperty("name").GetString().Should().Be(SqlText);
        row.GetProperty("website").GetString().Should().Be("$$; SELECT pg_sleep(10); $$");
        var filtered = await CrudTests.GetJsonAsync(http, $"/api/tenants/{tenant}/accounts?industry={Uri.EscapeDataString("\" OR 1=1 --")}");
        filtered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).Should().Equal(id);
        var none = await CrudTests.GetJsonAsync(http, $"/api/tenants/{tenant}/accounts?email={Uri.EscapeDataString("' OR '1'='1")}");
        none.GetProperty("items").GetArrayLength().Should().Be(0);
        (await CountAsync(http, tenant, "accounts")).Should().BeGreaterThan(0, "the table is still there");
    }

    private static async Task<int> CountAsync(HttpClient http, string tenant, string resource)
    {
        var page = await CrudTests.GetJsonAsync(http, $"/api/tenants/{tenant}/{resource}?limit=500");
        return page.GetProperty("items").GetArrayLength();
    }
}
