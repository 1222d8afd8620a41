using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using OrleansTenants.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests;

/// <summary>The OpenAPI document describes the endpoints and, from the resource registry, every resource's fields.</summary>
public sealed partial class OpenApiTests(ApiCluster cluster) : IClassFixture<ApiCluster>
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

    [Fact]
    public async Task Every_admin_operation_documents_its_success_body_and_its_problems()
    {
        using var response = await cluster.Silos[0].GetAsync("/openapi/v1.json");
        var document = ApiCluster.Json(await response.Content.ReadAsStringAsync());

        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(path => path.Name.StartsWith("/admin/", StringComparison.Ordinal))
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Name: $"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value)))
            .ToList();
        operations.Should().HaveCountGreaterThanOrEqualTo(20);
        foreach (var (name, operation) in operations)
        {
            operation.GetProperty("operationId").GetString().Should().NotBeNullOrEmpty(name);
            operation.GetProperty("summary").GetString().Should().NotBeNullOrEmpty(name);
            var responses = operation.GetProperty("responses").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
            var success = responses.Where(r => r.Key.StartsWith('2')).Should().ContainSingle(name).Subject;
            if (success.Key != "204")
            {
                success.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema").EnumerateObject().Should().NotBeEmpty(name);
            }

            responses.Should().ContainKey("401", name);
            responses["401"].GetProperty("content").TryGetProperty("application/problem+json", out _).Should().BeTrue(name);
        }
    }

    [Fact]
    public async Task The_reference_page_at_docs_reads_the_document_and_loads_its_script_from_this_server()
    {
        var silo = cluster.Silos[0];
        using var page = await silo.GetAsync("/docs");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await page.Content.ReadAsStringAsync();
        // Scalar resolves the document's URL against the application's base, not against /docs/.
        html.Should().Contain("\"url\":\"openapi/v1.json\"");

        var scripts = ScriptSources().Matches(html).Select(m => m.Groups[1].Value).ToList();
        scripts.Should().NotBeEmpty().And.OnlyContain(src => !src.Contains("//", StringComparison.Ordinal), "no script comes from another host");
        foreach (var src in scripts)
        {
            using var script = await silo.GetAsync(new Uri(page.RequestMessage!.RequestUri!, src));
            script.StatusCode.Should().Be(HttpStatusCode.OK, src);
            (await script.Content.ReadAsByteArrayAsync()).Should().NotBeEmpty(src);
        }
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSources();
}
