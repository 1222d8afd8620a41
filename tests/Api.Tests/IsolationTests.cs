using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>A key never reaches another tenant's rows: not by path, id, filter, sort or cursor.</summary>
public sealed class IsolationTests(PlacementModesFixture fixture) : IClassFixture<PlacementModesFixture>
{
    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "")]
    [InlineData("GET", "/00000000-0000-0000-0000-000000000001")]
    [InlineData("PATCH", "/00000000-0000-0000-0000-000000000001")]
    [InlineData("DELETE", "/00000000-0000-0000-0000-000000000001")]
    public async Task A_key_used_on_another_tenant_s_path_gets_403_and_no_data(string method, string suffix)
    {
        var (_, sharedKey) = fixture.Tenants["shared"];
        var (neighbour, _) = fixture.Tenants["shared-neighbour"];
        using var http = fixture.Cluster.TenantClient(sharedKey, silo: 1);
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/tenants/{neighbour}/accounts{suffix}");
        if (method is "POST" or "PATCH")
        {
            request.Content = JsonContent.Create(new { name = "Planted" });
        }

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("\"items\"");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("otk_000000000000_forged")]
    [InlineData("not-a-key")]
    public async Task Without_a_valid_key_the_answer_is_401(string? key)
    {
        var (tenant, _) = fixture.Tenants["single"];
        using var http = new HttpClient { BaseAddress = fixture.Cluster.Silos[0].BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/tenants/{tenant}/accounts");
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Contain("Bearer");
    }

    [Fact]
    public async Task Ids_filters_and_references_of_a_neighbour_in_the_same_database_lead_nowhere()
    {
        var (tenant, key) = fixture.Tenants["shared"];
        var (neighbour, neighbourKey) = fixture.Tenants["shared-neighbour"];
        using var mine = fixture.Cluster.TenantClient(key);
        using var theirs = fixture.Cluster.TenantClient(neighbourKey, silo: 1);
        var theirAccount = await CrudTests.CreateAsync(theirs, neighbour, "accounts", new { name = "Neighbour secret", email = "secret@neighbour.example" });

        (await mine.GetAsync($"/api/tenants/{tenant}/accounts/{theirAccount}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await mine.PatchAsync($"/api/tenants/{tenant}/accounts/{theirAccount}", JsonContent.Create(new { name = "hijacked" }))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await mine.DeleteAsync($"/api/tenants/{tenant}/accounts/{theirAccount}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var filtered = await CrudTests.GetJsonAsync(mine, $"/api/tenants/{tenant}/accounts?email=secret@neighbour.example");
        filtered.GetProperty("items").GetArrayLength().Should().Be(0);
        var byReference = await CrudTests.GetJsonAsync(mine, $"/api/tenants/{tenant}/contacts?accountId={theirAccount}");
        byReference.GetProperty("items").GetArrayLength().Should().Be(0);
        using var link = await mine.PostAsJsonAsync($"/api/tenants/{tenant}/contacts", new { firstName = "Eve", lastName = "Spy", accountId = theirAccount });
        link.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await link.Content.ReadAsStringAsync()).Should().Contain("accountId");

        var still = await CrudTests.GetJsonAsync(theirs, $"/api/tenants/{neighbour}/accounts/{theirAccount}");
        still.GetProperty("name").GetString().Should().Be("Neighbour secret");
    }

    [Fact]
    public async Task A_cursor_from_one_tenant_shows_nothing_of_it_to_another()
    {
        var (tenant, key) = fixture.Tenants["shared"];
        var (neighbour, neighbourKey) = fixture.Tenants["shared-neighbour"];
        using var theirs = fixture.Cluster.TenantClient(neighbourKey);
        for (var i = 0; i < 3; i++)
        {
            await CrudTests.CreateAsync(theirs, neighbour, "notes", new { body = $"neighbour note {i}" });
        }

        var page = await CrudTests.GetJsonAsync(theirs, $"/api/tenants/{neighbour}/notes?limit=1");
        var cursor = page.GetProperty("nextCursor").GetString();
        using var mine = fixture.Cluster.TenantClient(key);

        using var response = await mine.GetAsync($"/api/tenants/{tenant}/notes?limit=10&cursor={cursor}");

        (await response.Content.ReadAsStringAsync()).Should().NotContain("neighbour note");
    }
}
