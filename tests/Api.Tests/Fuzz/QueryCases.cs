using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>Where a list query's cursor comes from.</summary>
internal enum CursorSource
{
    None,

    /// <summary>The nextCursor of a real first page with the same sort, fetched when the case runs.</summary>
    Issued,

    /// <summary>Text given in the case: garbage, or a forged one (the checksum is not a secret).</summary>
    Given,
}

/// <summary>A list query: its parameters in order (a name may repeat), the names the API must report, and its cursor.</summary>
internal sealed record QueryCase(
    ResourceDefinition Resource, IReadOnlyList<(string Name, string Value)> Parameters, IReadOnlySet<string> Faults, CursorSource Cursor, string? CursorText)
{
    /// <summary>The sort the API applies: the parameter when valid, else the resource's default.</summary>
    public string Sort => Parameters.Where(p => p.Name == ListQuery.SortParameter).Select(p => p.Value).FirstOrDefault() ?? Resource.DefaultSort;

    public string QueryString(string? issuedCursor) =>
        string.Join("&", Parameters
            .Concat(Cursor switch
            {
                CursorSource.Issued => [(ListQuery.CursorParameter, issuedCursor!)],
                CursorSource.Given => [(ListQuery.CursorParameter, CursorText!)],
                _ => [],
            })
            .Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));

    public override string ToString() => $"GET {Resource.Name}?{QueryString("<issued>")} (faults: {string.Join(", ", Faults)})";
}

/// <summary>List queries for every resource from its filterable and sortable fields, valid and not.</summary>
internal sealed class QueryCases(FieldValues values, IReadOnlyDictionary<string, List<System.Text.Json.JsonElement>> seedRows)
{
    private static readonly string[] BadLimits = ["0", "501", "-1", "ten", "", "1.5", " 5", "+5", "99999999999", "٣"];
    private static readonly string[] UnknownParameters = ["owner", "Limit", "SORT", "q", "filter[name]", "tenantId"];

    public Gen<QueryCase> Query() => Gen.Elements(CrmResources.All.ToArray()).SelectMany(Query);

    private Gen<QueryCase> Query(ResourceDefinition resource) =>
        from limit in Gen.Frequency(
            (3, Gen.Constant(Array.Empty<(string, string, string?)>())),
            (3, Gen.Choose(1, ListQuery.MaxLimit).Select(n => new[] { (ListQuery.LimitParameter, n.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)null) })),
            (1, Gen.Elements(BadLimits).Select(v => new[] { (ListQuery.LimitParameter, v, (string?)ListQuery.LimitParameter) })))
        from sort in Gen.Frequency(
            (2, Gen.Constant(Array.Empty<(string, string, string?)>())),
            (3, Gen.Elements(resource.SortableFields.SelectMany(f => new[] { f.Name, "-" + f.Name }).ToArray())
                .Select(v => new[] { (ListQuery.SortParameter, v, (string?)null) })),
            (1, Gen.Elements(BadSorts(resource)).Select(v => new[] { (ListQuery.SortParameter, v, (string?)ListQuery.SortParameter) })))
        from count in Gen.Choose(0, 2)
        from filters in Gen.ArrayOf(Filter(resource), count)
        from shuffled in Gen.Shuffle(limit.Concat(sort).Concat(filters))
        from cursor in Gen.Frequency(
            (4, Gen.Constant((CursorSource.None, (string?)null, (string?)null))),
            (2, Gen.Constant((CursorSource.Issued, (string?)null, (string?)null))),
            (1, Gen.Elements("garbage", "", "AAAA", new string('A', 5000)).Select(t => (CursorSource.Given, (string?)t, (string?)ListQuery.CursorParameter))),
            (2, ForgedCursor(resource, shuffled.Where(p => p.Item1 == ListQuery.SortParameter && p.Item3 is null).Select(p => p.Item2).FirstOrDefault() ?? resource.DefaultSort)))
        select Case(resource, shuffled, cursor);

    private static QueryCase Case(ResourceDefinition resource, (string Name, string Value, string? Fault)[] parameters, (CursorSource Source, string? Text, string? Fault) cursor)
    {
        var faults = parameters.Select(p => p.Fault).Append(cursor.Fault).OfType<string>()
            // ASP.NET Core's query collection matches names without regard to case: limit and Limit are given twice.
            .Concat(parameters.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).SelectMany(g => g.Select(p => p.Name)))
            .ToHashSet(StringComparer.Ordinal);
        return new QueryCase(resource, [.. parameters.Select(p => (p.Name, p.Value))], faults, cursor.Source, cursor.Text);
    }

    private Gen<(string, string, string?)> Filter(ResourceDefinition resource)
    {
        var filterable = resource.FilterableFields.ToArray();
        var others = resource.WritableFields.Where(f => !f.Filterable).ToArray();
        // An empty value filters on nothing and is refused, whatever the field allows.
        var valid = Gen.Elements(filterable).SelectMany(f => Gen.Frequency((1, values.ValidText(f, forQuery: true)), (1, SeededText(resource, f)))
            .Where(text => text.Length > 0).Select(text => (f.Name, text, (string?)null)));
        var invalid = Gen.Elements(filterable).SelectMany(f => Gen.Frequency((3, values.InvalidText(f, forQuery: true)), (1, Gen.Constant(string.Empty)))
            .Select(text => (f.Name, text, (string?)f.Name)));
        var unknown = Gen.Elements(UnknownParameters).Select(name => (name, "x", (string?)name));
        return others.Length == 0
            ? Gen.Frequency((4, valid), (1, invalid), (1, unknown))
            : Gen.Frequency((4, valid), (1, invalid), (1, unknown), (1, Gen.Elements(others).Select(f => (f.Name, "x", (string?)f.Name))));
    }

    /// <summary>A seeded row's value for the field, so that filters match rows; any valid text when the seeds hold none.</summary>
    private Gen<string> SeededText(ResourceDefinition resource, FieldDefinition field)
    {
        var seeded = seedRows[resource.Name].Select(r => RowOracle.Canonical(field, r.GetProperty(field.Name))).OfType<string>().ToArray();
        return seeded.Length == 0 ? values.ValidText(field, forQuery: true) : Gen.Elements(seeded);
    }

    private static string[] BadSorts(ResourceDefinition resource) =>
        ["--createdAt", "-", "", "createdAt ", "CreatedAt", "id", "createdAt,updatedAt", .. resource.WritableFields.Where(f => !f.Sortable).Take(2).Select(f => f.Name)];

    /// <summary>A cursor with a correct checksum: well-formed for this resource and sort (accepted), or wrong inside (refused).</summary>
    private Gen<(CursorSource, string?, string?)> ForgedCursor(ResourceDefinition resource, string sort)
    {
        var field = resource[sort.TrimStart('-')];
        var id = JsonText.Quote(Guid.NewGuid().ToString("D"));
        var (name, order) = (JsonText.Quote(resource.Name), JsonText.Quote(sort));
        var value = Gen.Frequency(
            (1, Gen.Constant("null")),
            (3, field.Type == CrmFieldType.Integer ? values.ValidText(field, forQuery: true) : values.ValidText(field, forQuery: true).Select(JsonText.Quote)));
        var good = value.Select(v => (CursorSource.Given, (string?)Forge(Encoding.UTF8.GetBytes($"[1,{name},{order},{v},{id}]")), (string?)null));
        byte[][] bad =
        [
            Encoding.UTF8.GetBytes($"[2,{name},{order},null,{id}]"),
            Encoding.UTF8.GetBytes($"[1,{name},{order},null]"),
            Encoding.UTF8.GetBytes($"[1,\"accounts-x\",{order},null,{id}]"),
            Encoding.UTF8.GetBytes($"[1,{name},{order},null,\"not-a-uuid\"]"),
            Encoding.UTF8.GetBytes($"[1,{name},{order},[[]],{id}]"),
            Encoding.UTF8.GetBytes($"[1,\"\\ud800\",{order},null,{id}]"),
            [.. Encoding.UTF8.GetBytes($"[1,{name},\""), 0xFF, .. Encoding.UTF8.GetBytes($"\",null,{id}]")],
            Encoding.UTF8.GetBytes("{\"a\":1}"),
            Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100)),
        ];
        return Gen.Frequency((1, good), (2, Gen.Elements(bad).Select(p => (CursorSource.Given, (string?)Forge(p), (string?)ListQuery.CursorParameter))));
    }

    /// <summary>The cursor format ListCursor documents: base64url of the payload and the first 8 bytes of its SHA-256.</summary>
    private static string Forge(byte[] payload) => Base64Url.EncodeToString([.. payload, .. SHA256.HashData(payload)[..8]]);
}
