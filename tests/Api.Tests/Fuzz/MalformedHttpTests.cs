using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// Malformed HTTP: bytes that are not UTF-8, NULs, lone surrogates, numbers beyond any type, nesting past the reader's
/// limit, duplicate names, documents that are not JSON, byte-level damage to valid bodies, overlong and repeated
/// headers. Whatever reaches the API is a 4xx problem (naming the field where one is at fault) and changes no row;
/// what Kestrel refuses before the API (a header block over its 32 KB, a NUL in the request line or a header) is a
/// bare 4xx, which Kestrel offers no way to give a body.
/// </summary>
[Collection(FuzzSuite.Name)]
public sealed class MalformedHttpTests(FuzzFixture fixture)
{
    private const string IdempotencyHeader = "Idempotency-Key";
    private static readonly byte[] Interesting = [0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x80, 0xC0, 0xED, 0xFF, 0x30, 0x2D, 0x65];

    public static TheoryData<string, int> Documents => new()
    {
        { "", 400 }, { "   ", 400 }, { "\uFEFF{}", 400 }, { "null", 400 }, { "[]", 400 }, { "\"x\"", 400 }, { "123", 400 }, { "{}{}", 400 },
        { "{\"a\":1,}", 400 }, { "{'a':1}", 400 }, { "{\"a\":NaN}", 400 }, { "/*c*/{}", 400 }, { "{\"a\":1", 400 },
        { "{\"a\":" + new string('[', 65) + new string(']', 65) + "}", 400 }, { new string('[', 100_000) + new string(']', 100_000), 400 },
        { "{\"a\":\"" + new string('x', 300 * 1024) + "\"}", 413 },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Documents_that_are_not_one_json_object_are_refused(string document, int status)
    {
        var before = await fixture.SnapshotAsync();
        foreach (var resource in CrmResources.All)
        {
            foreach (var (method, path) in new[] { (HttpMethod.Post, fixture.PathOf(resource)), (HttpMethod.Patch, fixture.PathOf(resource, fixture.SeedIds[resource.Name][0].ToString())) })
            {
                var reply = await fixture.SendAsync(method, path, document);
                reply.ShouldBeRefused((HttpStatusCode)status, new HashSet<string>(), $"{method} {resource.Name} {document[..Math.Min(40, document.Length)]}");
            }
        }

        (await fixture.SnapshotAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Malformed_values_of_every_field_are_refused_naming_it()
    {
        var before = await fixture.SnapshotAsync();
        foreach (var resource in CrmResources.All)
        {
            var body = fixture.Creatable(resource).Sample(1, new Rnd(FuzzSettings.Seed), 10)[0];
            foreach (var field in resource.WritableFields)
            {
                foreach (var value in MalformedValues(field))
                {
                    var because = $"{resource.Name}.{field.Name} = {Encoding.UTF8.GetString(value)[..Math.Min(60, value.Length)]}";
                    var created = await fixture.SendAsync(HttpMethod.Post, fixture.PathOf(resource), With(body.Members, field.Name, value));
                    created.ShouldBeRefused(HttpStatusCode.BadRequest, new HashSet<string> { field.Name }, "POST " + because);
                    var patched = await fixture.SendAsync(HttpMethod.Patch, fixture.PathOf(resource, fixture.SeedIds[resource.Name][0].ToString()), With([], field.Name, value));
                    patched.ShouldBeRefused(HttpStatusCode.BadRequest, new HashSet<string> { field.Name }, "PATCH " + because);
                }
            }
        }

        (await fixture.SnapshotAsync()).Should().Be(before);
    }

    [Fact]
    public Task Byte_level_damage_to_valid_bodies_is_refused_or_stored_as_read() =>
        FuzzSettings.CheckAsync("damaged bodies", 250, DamagedBodies(), DamagedAsync);

    [Theory]
    [InlineData("Authorization", 16 * 1024, 401)]
    [InlineData(IdempotencyHeader, 16 * 1024, 400)]
    [InlineData("Authorization", 64 * 1024, 431)]
    [InlineData(IdempotencyHeader, 64 * 1024, 431)]
    public async Task Overlong_headers_are_refused(string header, int length, int status)
    {
        var before = await fixture.SnapshotAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.PathOf(CrmResources.Get("notes"))) { Content = new StringContent("{\"body\":\"x\"}") };
        request.Headers.TryAddWithoutValidation("Authorization", header == "Authorization" ? "Bearer " + new string('k', length) : "Bearer " + fixture.Key);
        if (header == IdempotencyHeader)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyHeader, new string('i', length));
        }

        var reply = await Reply.SendAsync(fixture.Bare, request);

        reply.Code.Should().Be(status, reply.ToString());
        if (status != 431)
        {
            reply.ShouldBeRefused((HttpStatusCode)status, status == 400 ? new HashSet<string> { IdempotencyHeader } : new HashSet<string>(), header);
        }

        (await fixture.SnapshotAsync()).Should().Be(before);
    }

    [Fact]
    public async Task An_idempotency_key_given_twice_is_refused_naming_it()
    {
        var before = await fixture.SnapshotAsync();

        var reply = await RawHttp.SendAsync(fixture.Bare.BaseAddress!, "POST", Encoding.ASCII.GetBytes(fixture.PathOf(CrmResources.Get("notes"))),
            [RawHttp.Header("Authorization", "Bearer " + fixture.Key), RawHttp.Header(IdempotencyHeader, "a"), RawHttp.Header(IdempotencyHeader, "b")],
            "{\"body\":\"x\"}"u8.ToArray());

        reply.ShouldBeRefused(HttpStatusCode.BadRequest, new HashSet<string> { IdempotencyHeader }, "two Idempotency-Key lines");
        (await fixture.SnapshotAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData("/api/tenants/{tenant}/notes/%00", null)]
    [InlineData("/api/tenants/{tenant}/notes/\u00ff", null)]
    [InlineData("/api/tenants/{tenant}/notes", "Idempotency-Key: a\0b")]
    [InlineData("/api/tenants/{tenant}/notes", "Idempotency-Key: \u00ff")]
    [InlineData("/api/tenants/{tenant}/notes", "Authorization: Bearer \u00ff")]
    public async Task Requests_kestrel_refuses_before_the_api_are_a_4xx_and_change_nothing(string target, string? header)
    {
        var before = await fixture.SnapshotAsync();
        var headers = new List<(string, byte[])> { RawHttp.Header("Authorization", "Bearer " + fixture.Key) };
        if (header is not null)
        {
            var (name, value) = (header[..header.IndexOf(':', StringComparison.Ordinal)], header[(header.IndexOf(':', StringComparison.Ordinal) + 2)..]);
            headers.RemoveAll(h => h.Item1 == name);
            headers.Add((name, Encoding.Latin1.GetBytes(value)));
        }

        var reply = await RawHttp.SendAsync(fixture.Bare.BaseAddress!, "POST", Encoding.Latin1.GetBytes(target.Replace("{tenant}", fixture.Tenant, StringComparison.Ordinal)), headers,
            "{\"body\":\"x\"}"u8.ToArray());

        reply.Code.Should().BeInRange(400, 499, reply.ToString());
        reply.ContentType.Should().BeNull("Kestrel answers before the API, with no body: " + reply);
        (await fixture.SnapshotAsync()).Should().Be(before);
    }

    /// <summary>Values no field accepts: text that is not UTF-8 or holds NUL or a lone surrogate, numbers beyond any type, deep arrays.</summary>
    private static IEnumerable<byte[]> MalformedValues(FieldDefinition field)
    {
        yield return Encoding.UTF8.GetBytes(new string('[', 60) + new string(']', 60));
        if (field.Type is CrmFieldType.Integer or CrmFieldType.Decimal)
        {
            foreach (var number in new[] { "1e400", "-1e400", "1" + new string('0', 400), "1e-400", "0." + new string('0', 400) + "1", "1e99999999999999999999" })
            {
                yield return Encoding.ASCII.GetBytes(number);
            }
        }
        else if (field.Type != CrmFieldType.Boolean)
        {
            yield return [0x22, 0xFF, 0xFE, 0x22];
            yield return [0x22, 0x61, 0xC0, 0xAF, 0x22];
            yield return [0x22, 0xED, 0xA0, 0x80, 0x22];
            yield return "\"a\\u0000b\""u8.ToArray();
            yield return "\"\\udc00\""u8.ToArray();
        }
    }

    /// <summary>A body with the members (the field left out) and then the field with a raw value.</summary>
    private static byte[] With(IReadOnlyList<Member> members, string field, byte[] value)
    {
        var others = JsonText.Object(members.Where(m => m.Name != field));
        return [.. Encoding.UTF8.GetBytes(others[..^1] + (others.Length > 2 ? "," : "") + JsonText.Quote(field) + ":"), .. value, (byte)'}'];
    }

    private Gen<(ResourceDefinition Resource, byte[] Body)> DamagedBodies() =>
        from resource in Gen.Elements(CrmResources.All.ToArray())
        from body in fixture.Creatable(resource)
        from edits in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 3), Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Elements(Interesting))), 3)
        select (resource, edits.Aggregate(Encoding.UTF8.GetBytes(body.Json).ToList(), Damage).ToArray());

    /// <summary>One edit at a position: flip a bit, insert an interesting byte, delete a byte, or repeat a span.</summary>
    private static List<byte> Damage(List<byte> bytes, (int Kind, (int Position, byte Byte) Edit) edit)
    {
        var at = edit.Edit.Position % Math.Max(1, bytes.Count);
        switch (edit.Kind)
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << (edit.Edit.Byte % 8));
                break;
            case 1:
                bytes.Insert(at, edit.Edit.Byte);
                break;
            case 2 when bytes.Count > 0:
                bytes.RemoveAt(at);
                break;
            default:
                bytes.InsertRange(at, bytes.Skip(at).Take(edit.Edit.Byte % 16).ToArray());
                break;
        }

        return bytes;
    }

    private async Task DamagedAsync((ResourceDefinition Resource, byte[] Body) input)
    {
        var (resource, body) = input;
        var because = $"POST {resource.Name} {Convert.ToHexString(body)}";
        var before = await fixture.SnapshotAsync();

        var reply = await fixture.SendAsync(HttpMethod.Post, fixture.PathOf(resource), body);

        reply.ShouldBeNoServerError(because);
        if (reply.Status != HttpStatusCode.Created)
        {
            (await fixture.SnapshotAsync()).Should().Be(before, $"a refused request changes no row: {because}");
            return;
        }

        using var sent = JsonDocument.Parse(body);
        var row = reply.Json();
        RowOracle.ShouldHold(resource, row, [.. sent.RootElement.EnumerateObject().Select(p => new Member(p.Name, p.Value.GetRawText()))], null, because);
        await fixture.DeleteAsync(resource, row.GetProperty("id").GetGuid());
    }
}
