using System.Net;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.Grains.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>The OpenAPI document describes the endpoints and, from the resource registry, every resource's fields.</summary>
public sealed class OpenApiTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task The_document_has_the_endpoints_and_a_schema_per_resource_from_the_registry()
    {
        using var response = await cluster.Silos[0].GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var document = ApiCluster.Json(await response.Content.ReadAsStringAsync());

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.Should().Contain(["/api/tenants/{tenantId}/{resource}", "/api/tenants/{tenantId}/{resource}/{id}", "/admin/tenants"]);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var resource in CrmResources.All)
        {
            var schema = schemas.GetProperty(resource.Name);
            schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().Equal(resource.Fields.Select(f => f.Name));
            schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Should().BeEquivalentTo(resource.RequiredFields.Select(f => f.Name));
        }

        var accountName = schemas.GetProperty("accounts").GetProperty("properties").GetProperty("name");
        accountName.GetProperty("maxLength").GetInt32().Should().Be(CrmResources.Get("accounts")["name"].MaxLength);
        accountName.GetProperty("x-sortable").GetBoolean().Should().BeTrue();
        var status = schemas.GetProperty("invoices").GetProperty("properties").GetProperty("status");
        status.GetProperty("enum").EnumerateArray().Select(v => v.GetString()).Should().Contain("paid");
        var reference = schemas.GetProperty("contacts").GetProperty("properties").GetProperty("accountId");
        reference.GetProperty("format").GetString().Should().Be("uuid");
        reference.GetProperty("x-references").GetString().Should().Be("accounts");
        reference.GetProperty("x-filterable").GetBoolean().Should().BeTrue();
        schemas.GetProperty("accounts").GetProperty("properties").GetProperty("id").GetProperty("readOnly").ValueKind.Should().Be(JsonValueKind.True);
    }
}
