using System.Net;
using System.Text.Json;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// Generated create bodies and merge patches for every resource: an accepted one is stored as sent (after the API's
/// normalisation), a refused one is a 4xx problem naming the fields at fault and changes no row; never a 5xx.
/// </summary>
[Collection(FuzzSuite.Name)]
public sealed class BodyFuzzTests(FuzzFixture fixture)
{
    [Fact]
    public Task Create_bodies_are_stored_as_sent_or_refused_naming_the_field() =>
        FuzzSettings.CheckAsync("create bodies", 400, fixture.Bodies.Create(), CreateAsync);

    [Fact]
    public Task Merge_patches_are_applied_as_sent_or_refused_naming_the_field() =>
        FuzzSettings.CheckAsync("merge patches", 250, Patches(), PatchAsync);

    private Gen<(BodyCase Row, BodyCase Patch)> Patches() =>
        from resource in Gen.Elements(CrmResources.All.ToArray())
        from row in fixture.Creatable(resource)
        from patch in fixture.Bodies.Patch(resource)
        select (row, patch);

    private async Task CreateAsync(BodyCase body)
    {
        var resource = body.Resource;
        var faults = body.Faults.Concat(RowOracle.RuleFaults(resource, body.TypedValues())).ToHashSet(StringComparer.Ordinal);
        var clash = faults.Count == 0 ? fixture.ClashingSeed(resource, f => RowOracle.Sent(body.Members, f)) : null;
        var before = await fixture.SnapshotAsync();

        var reply = await fixture.SendAsync(HttpMethod.Post, fixture.PathOf(resource), body.Json);

        if (faults.Count > 0 || clash is not null)
        {
            await RefusedAsync(reply, clash is null ? HttpStatusCode.BadRequest : HttpStatusCode.Conflict, clash is null ? faults : [clash], before, body.ToString());
            return;
        }

        reply.Status.Should().Be(HttpStatusCode.Created, $"{body} => {reply}");
        var created = reply.Json();
        var id = created.GetProperty("id").GetGuid();
        var stored = await GetAsync(resource, id);
        stored.GetRawText().Should().Be(created.GetRawText(), "GET returns what POST answered");
        RowOracle.ShouldHold(resource, stored, body.Members, null, body.ToString());
        await fixture.DeleteAsync(resource, id);
    }

    private async Task PatchAsync((BodyCase Row, BodyCase Patch) input)
    {
        var (row, patch) = input;
        var resource = row.Resource;
        var created = await fixture.SendAsync(HttpMethod.Post, fixture.PathOf(resource), row.Json);
        created.Status.Should().Be(HttpStatusCode.Created, $"{row} => {created}");
        var id = created.Json().GetProperty("id").GetGuid();
        var stored = await GetAsync(resource, id);

        var merged = resource.WritableFields.ToDictionary(f => f.Name, f => RowOracle.Typed(f, stored.GetProperty(f.Name)), StringComparer.Ordinal);
        foreach (var (name, value) in patch.TypedValues())
        {
            merged[name] = value;
        }

        var faults = patch.Faults.Concat(RowOracle.RuleFaults(resource, merged)).ToHashSet(StringComparer.Ordinal);
        var clash = faults.Count == 0
            ? fixture.ClashingSeed(resource, f => patch.Members.Any(m => m.Name == f.Name) ? RowOracle.Sent(patch.Members, f) : RowOracle.Canonical(f, stored.GetProperty(f.Name)))
            : null;
        var before = await fixture.SnapshotAsync();

        var reply = await fixture.SendAsync(HttpMethod.Patch, fixture.PathOf(resource, id.ToString()), patch.Json);

        if (faults.Count > 0 || clash is not null)
        {
            await RefusedAsync(reply, clash is null ? HttpStatusCode.BadRequest : HttpStatusCode.Conflict, clash is null ? faults : [clash], before, $"{patch} on {row}");
        }
        else
        {
            reply.Status.Should().Be(HttpStatusCode.OK, $"{patch} on {row} => {reply}");
            var patched = await GetAsync(resource, id);
            patched.GetRawText().Should().Be(reply.Json().GetRawText(), "GET returns what PATCH answered");
            RowOracle.ShouldHold(resource, patched, patch.Members, stored, $"{patch} on {row}");
            patched.GetProperty("createdAt").GetString().Should().Be(stored.GetProperty("createdAt").GetString());
            patched.GetProperty("updatedAt").GetDateTimeOffset().Should().BeOnOrAfter(stored.GetProperty("updatedAt").GetDateTimeOffset());
        }

        await fixture.DeleteAsync(resource, id);
    }

    private async Task RefusedAsync(Reply reply, HttpStatusCode status, IReadOnlySet<string> faults, string before, string because)
    {
        reply.ShouldBeRefused(status, faults, because);
        (await fixture.SnapshotAsync()).Should().Be(before, $"a refused request changes no row: {because}");
    }

    private async Task<JsonElement> GetAsync(ResourceDefinition resource, Guid id)
    {
        var reply = await fixture.SendAsync(HttpMethod.Get, fixture.PathOf(resource, id.ToString()));
        reply.Status.Should().Be(HttpStatusCode.OK, reply.ToString());
        return reply.Json();
    }
}
