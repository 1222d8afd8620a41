using System.Net;
using System.Text;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>A GET, empty PATCH or DELETE of one row by an id as the client wrote it.</summary>
internal sealed record RowRequest(ResourceDefinition Resource, HttpMethod Method, string Id)
{
    public override string ToString() => $"{Method} {Resource.Name}/{Uri.EscapeDataString(Id)}";
}

/// <summary>A valid create with generated Authorization and Idempotency-Key headers ({key} and {neighbour} stand for the keys).</summary>
internal sealed record HeaderRequest(BodyCase Body, string? Authorization, string[] IdempotencyKeys, string ContentType)
{
    public override string ToString() =>
        $"POST {Body} Authorization: {Shorten(Authorization)}; Idempotency-Key: [{string.Join(" | ", IdempotencyKeys.Select(Shorten))}]; Content-Type: {ContentType}";

    private static string? Shorten(string? text) => text is { Length: > 80 } ? $"{text[..40]}…({text.Length} chars)" : text;
}

/// <summary>
/// Generated row ids (every form Guid.TryParse reads, and not; a NUL, which Kestrel refuses before the API, is left to
/// MalformedHttpTests) and request headers for every resource: 400 naming
/// <c>id</c> or <c>Idempotency-Key</c>, 401/403 for keys that are not this tenant's, 404 for absent rows, never a 5xx,
/// and nothing changes unless the request is a valid create.
/// </summary>
[Collection(FuzzSuite.Name)]
public sealed class RequestFuzzTests(FuzzFixture fixture)
{
    private const string IdempotencyHeader = "Idempotency-Key";
    private const string Printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~";

    [Fact]
    public Task Row_ids_are_read_as_uuids_or_refused_naming_the_id() =>
        FuzzSettings.CheckAsync("row ids", 250, RowRequests(), RowAsync);

    [Fact]
    public Task Authorization_and_idempotency_headers_are_honoured_or_refused() =>
        FuzzSettings.CheckAsync("headers", 250, HeaderRequests(), HeadersAsync);

    private Gen<RowRequest> RowRequests() =>
        from resource in Gen.Elements(CrmResources.All.ToArray())
        from method in Gen.Elements(HttpMethod.Get, HttpMethod.Patch, HttpMethod.Delete)
        from format in Gen.Elements("D", "N", "B", "P", "X")
        from upper in Gen.Elements(true, false)
        from seeded in Gen.Elements(fixture.SeedIds[resource.Name].ToArray())
        from absent in Gen.Fresh(Guid.NewGuid)
        let text = Cased((method == HttpMethod.Delete ? absent : seeded).ToString(format), upper)
        from id in Gen.Frequency(
            (2, Gen.Constant(text)),
            (2, Gen.Constant(Cased(absent.ToString(format), upper))),
            (3, Gen.OneOf(Gen.Elements(text[..^1], text + "0", " " + text + " ", text.Replace('-', '_'), "0", "null", "-1", "%00", "😀", new string('a', 2000)),
                    Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(Gen.Elements("0123456789abcdefABCDEF-{}()x ,;:é".Select(c => c.ToString()).ToArray()), n)).Select(string.Concat))
                .Where(t => t.Trim('.').Length > 0)))
        select new RowRequest(resource, method, id);

    private async Task RowAsync(RowRequest request)
    {
        var before = await fixture.SnapshotAsync();
        var body = request.Method == HttpMethod.Patch ? Encoding.UTF8.GetBytes("{}") : null;

        var reply = await fixture.SendAsync(request.Method, fixture.PathOf(request.Resource, Uri.EscapeDataString(request.Id)), body);

        if (!Guid.TryParse(request.Id, out var id))
        {
            reply.ShouldBeRefused(HttpStatusCode.BadRequest, new HashSet<string> { "id" }, request.ToString());
        }
        else if (fixture.SeedIds[request.Resource.Name].Contains(id))
        {
            reply.Status.Should().Be(HttpStatusCode.OK, $"{request} => {reply}");
        }
        else
        {
            reply.ShouldBeRefused(HttpStatusCode.NotFound, new HashSet<string>(), request.ToString());
        }

        (await fixture.SnapshotAsync()).Should().Be(before, $"reading, emptily patching or missing a row changes nothing: {request}");
    }

    private Gen<HeaderRequest> HeaderRequests() =>
        from resource in Gen.Elements(CrmResources.All.ToArray())
        from body in fixture.Creatable(resource)
        from authorization in Gen.Frequency(
            (6, Gen.Elements<string?>("Bearer {key}", "bearer {key}", "BEARER    {key}")),
            (2, Gen.Elements<string?>(null, "Bearer", "Bearer ", "Basic {key}", "Bearer {key}x", "{key}", "Bearer {key}, Bearer {key}", "Bearer {neighbour}")),
            (1, Gen.Choose(1, 12_000).Select<int, string?>(n => "Bearer " + new string('k', n))))
        from keys in Gen.Frequency(
            (3, Gen.Constant(Array.Empty<string>())),
            (4, UniqueKey(0, 223).Select(k => new[] { k })),
            (1, UniqueKey(224, 12_000).Select(k => new[] { k })),
            (1, Gen.Elements(new[] { "a\tb" }, new[] { string.Empty })),
            (1, Gen.Two(UniqueKey(0, 40)).Select(pair => new[] { pair.Item1, pair.Item2 })))
        from contentType in Gen.Elements("application/json", "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded")
        select new HeaderRequest(body, authorization, keys, contentType);

    /// <summary>A key never used before: printable ASCII of the given length, then 32 hex digits.</summary>
    private static Gen<string> UniqueKey(int minPrefix, int maxPrefix) =>
        from length in Gen.Choose(minPrefix, maxPrefix)
        from prefix in Gen.ArrayOf(Gen.Elements(Printable.ToCharArray()), length)
        from suffix in Gen.Fresh(Guid.NewGuid)
        select new string(prefix) + suffix.ToString("N");

    private async Task HeadersAsync(HeaderRequest request)
    {
        var resource = request.Body.Resource;
        using var message = new HttpRequestMessage(HttpMethod.Post, fixture.PathOf(resource)) { Content = new StringContent(request.Body.Json, Encoding.UTF8) };
        message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType);
        var authorization = request.Authorization?.Replace("{key}", fixture.Key, StringComparison.Ordinal).Replace("{neighbour}", fixture.NeighbourKey, StringComparison.Ordinal);
        if (authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", authorization).Should().BeTrue();
        }

        foreach (var key in request.IdempotencyKeys)
        {
            message.Headers.TryAddWithoutValidation(IdempotencyHeader, key).Should().BeTrue();
        }

        var before = await fixture.SnapshotAsync();
        var reply = await Reply.SendAsync(fixture.Bare, message);

        // HttpClient writes repeated values on one line, comma-separated: the API sees one key (two lines: MalformedHttpTests).
        var keyIsValid = string.Join(", ", request.IdempotencyKeys).Trim() is { Length: <= 255 } sent && sent.All(c => c is >= ' ' and <= '~');
        if (Token(authorization) != fixture.Key)
        {
            reply.ShouldBeRefused(Token(authorization) == fixture.NeighbourKey ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized, new HashSet<string>(), request.ToString());
        }
        else if (!keyIsValid)
        {
            reply.ShouldBeRefused(HttpStatusCode.BadRequest, new HashSet<string> { IdempotencyHeader }, request.ToString());
        }
        else
        {
            reply.Status.Should().Be(HttpStatusCode.Created, $"{request} => {reply}");
            var row = reply.Json();
            RowOracle.ShouldHold(resource, row, request.Body.Members, null, request.ToString());
            await fixture.DeleteAsync(resource, row.GetProperty("id").GetGuid());
            return;
        }

        (await fixture.SnapshotAsync()).Should().Be(before, $"a refused request changes no row: {request}");
    }

    /// <summary>The key a Bearer header carries, as the API reads it (scheme in any case, spaces around the key ignored).</summary>
    private static string? Token(string? authorization) =>
        authorization is not null && authorization.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;

    private static string Cased(string text, bool upper) => upper ? text.ToUpperInvariant() : text;
}
