using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>Every resource's create, read, list, patch and delete over HTTP, in every placement mode.</summary>
public sealed class CrudTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    public static TheoryData<string> Modes => new() { "single", "dedicated", "shared", "sharded" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Every_resource_round_trips(string mode)
    {
        var (tenant, key) = fixture.Tenants[mode];
        using var http = fixture.Cluster.TenantClient(key, silo: mode.Length % 2);
        var account = await CreateAsync(http, tenant, "accounts", new { name = "Acme", industry = "Retail", website = "https://acme.example", phone = "+1 555 0100", email = "info@acme.example" });
        var contact = await CreateAsync(http, tenant, "contacts", new { firstName = "Ada", lastName = "Lovelace", email = "ada@acme.example", accountId = account });
        var opportunity = await CreateAsync(http, tenant, "opportunities", new { name = "Big deal", accountId = account, stage = "proposal", amount = 1250.50m, closeDate = "2026-12-31" });
        var invoice = await CreateAsync(http, tenant, "invoices", new { number = $"INV-{mode}", accountId = account, status = "sent", total = 99.90m, currency = "EUR", dueDate = "2027-01-15" });
        var counted = await GetJsonAsync(http, $"/api/tenants/{tenant}/opportunities?accountId={account}&count=true");
        counted.GetProperty("total").GetInt64().Should().Be(1);
        counted.GetProperty("totalIsEstimate").GetBoolean().Should().BeFalse();

        var cases = new (string Resource, object Create, object Patch, string Field, string Expected)[]
        {
            ("accounts", new { name = "Globex", industry = "Energy" }, new { industry = "Utilities" }, "industry", "Utilities"),
            ("contacts", new { firstName = "Alan", lastName = "Turing", accountId = account }, new { email = "alan@example.org" }, "email", "alan@example.org"),
            ("leads", new { lastName = "Hopper", firstName = "Grace", company = "Navy", email = "grace@example.org", status = "new" }, new { status = "qualified" }, "status", "qualified"),
            ("opportunities", new { name = "Small deal", accountId = account, stage = "prospecting", amount = 10m }, new { stage = "won" }, "stage", "won"),
            ("opportunity-line-items", new { opportunityId = opportunity, productName = "Widget", quantity = 2, unitPrice = 10.5m }, new { productName = "Gadget" }, "productName", "Gadget"),
            ("events", new { name = "Kick-off", startsAt = "2026-12-01T09:00:00Z", endsAt = "2026-12-01T10:00:00Z", accountId = account, status = "confirmed" }, new { status = "completed" }, "status", "completed"),
            ("invoices", new { number = $"INV-2-{mode}", accountId = account, total = 5m, currency = "USD" }, new { status = "paid" }, "status", "paid"),
            ("payments", new { invoiceId = invoice, amount = 9.99m, method = "card" }, new { method = "cash" }, "method", "cash"),
            ("tasks", new { title = "Call back", status = "open", dueAt = "2026-12-02T12:00:00Z" }, new { status = "done" }, "status", "done"),
            ("notes", new { body = "Met at the fair.", accountId = account }, new { body = "Met at the spring fair." }, "body", "Met at the spring fair."),
        };

        foreach (var (resource, create, patch, field, expected) in cases)
        {
            var id = await CreateAsync(http, tenant, resource, create);
            var fetched = await GetJsonAsync(http, $"/api/tenants/{tenant}/{resource}/{id}");
            fetched.GetProperty("id").GetString().Should().Be(id.ToString());
            var createdUpdatedAt = fetched.GetProperty("updatedAt").GetDateTimeOffset();

            var list = await GetJsonAsync(http, $"/api/tenants/{tenant}/{resource}?limit=500");
            list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).Should().Contain(id.ToString(), resource);

            using (var patched = await http.PatchAsync($"/api/tenants/{tenant}/{resource}/{id}", JsonContent.Create(patch)))
            {
                patched.StatusCode.Should().Be(HttpStatusCode.OK, resource + ": " + await patched.Content.ReadAsStringAsync());
            }

            var after = await GetJsonAsync(http, $"/api/tenants/{tenant}/{resource}/{id}");
            after.GetProperty(field).GetString().Should().Be(expected, resource);
            after.GetProperty("updatedAt").GetDateTimeOffset().Should().BeAfter(createdUpdatedAt, resource);

            (await http.DeleteAsync($"/api/tenants/{tenant}/{resource}/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent, resource);
            (await http.GetAsync($"/api/tenants/{tenant}/{resource}/{id}")).StatusCode.Should().Be(HttpStatusCode.NotFound, resource);
        }

        (await GetJsonAsync(http, $"/api/tenants/{tenant}/contacts/{contact}")).GetProperty("accountId").GetString().Should().Be(account.ToString());
    }

    [Fact]
    public async Task Post_answers_201_with_location_and_an_idempotency_key_replays_without_a_second_row()
    {
        var (tenant, key) = fixture.Tenants["shared"];
        using var http = fixture.Cluster.TenantClient(key);
        var idempotencyKey = Guid.NewGuid().ToString();

        async Task<HttpResponseMessage> PostAsync(object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tenants/{tenant}/tasks") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            return await http.SendAsync(request);
        }

        using var first = await PostAsync(new { title = $"once {idempotencyKey}" });
        using var again = await PostAsync(new { title = $"once {idempotencyKey}" });
        using var other = await PostAsync(new { title = "another body" });

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        first.Headers.Location!.ToString().Should().StartWith($"/api/tenants/{tenant}/tasks/");
        again.StatusCode.Should().Be(HttpStatusCode.Created);
        again.Headers.Location.Should().Be(first.Headers.Location);
        other.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var titles = (await GetJsonAsync(http, $"/api/tenants/{tenant}/tasks?limit=500")).GetProperty("items").EnumerateArray()
            .Count(i => i.GetProperty("title").GetString() == $"once {idempotencyKey}");
        titles.Should().Be(1);
    }

    [Theory]
    [InlineData("1999-12-31T23:59:59.9999999Z", "1999-12-31T23:59:59.999999Z")]
    [InlineData("2025-01-31T09:30:00.1234567+01:00", "2025-01-31T08:30:00.123456Z")]
    [InlineData("0001-01-01T00:00:00.0000009Z", "0001-01-01T00:00:00.000000Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.999999Z")]
    public async Task Timestamps_are_stored_in_utc_truncated_to_the_microsecond(string sent, string stored)
    {
        var (tenant, key) = fixture.Tenants["single"];
        using var http = fixture.Cluster.TenantClient(key);

        var id = await CreateAsync(http, tenant, "tasks", new { title = "Due", dueAt = sent });

        (await GetJsonAsync(http, $"/api/tenants/{tenant}/tasks/{id}")).GetProperty("dueAt").GetString().Should().Be(stored);
    }

    [Fact]
    public async Task Lists_page_with_cursors_and_sort()
    {
        var (tenant, key) = fixture.Tenants["dedicated"];
        using var http = fixture.Cluster.TenantClient(key);
        for (var i = 0; i < 12; i++)
        {
            await CreateAsync(http, tenant, "leads", new { lastName = $"Pager{i:00}", status = i % 2 == 0 ? "new" : "contacted" });
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetJsonAsync(http, $"/api/tenants/{tenant}/leads?limit=5&sort=-lastName&status=new" + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("lastName").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        seen.Where(n => n.StartsWith("Pager", StringComparison.Ordinal)).Should().Equal("Pager10", "Pager08", "Pager06", "Pager04", "Pager02", "Pager00");
    }

    internal static async Task<Guid> CreateAsync(HttpClient http, string tenant, string resource, object body)
    {
        using var response = await http.PostAsJsonAsync($"/api/tenants/{tenant}/{resource}", body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, $"{resource}: {text}");
        return ApiCluster.Json(text).GetProperty("id").GetGuid();
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"GET {path}: {text}");
        return ApiCluster.Json(text);
    }
}
