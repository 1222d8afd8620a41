using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>A field's value as JSON text, and whether the API must accept it (references: only rows that exist).</summary>
internal sealed record FieldValue(string Json, bool Valid);

/// <summary>
/// Values for any registry field, from its declared type and constraints (lengths, ranges, scale, enum values,
/// pattern, reference), valid and invalid, biased towards the edges. References point at the seeded rows.
/// </summary>
internal sealed partial class FieldValues(IReadOnlyDictionary<string, List<Guid>> seeds)
{
    private static readonly string[] Letters = [.. "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.@".Select(c => c.ToString())];

    // JSON escapes, control characters, invisible and right-to-left marks, non-characters, combining marks, astral planes.
    private static readonly string[] Unusual =
        ["\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0001", "\u001f", "\u007f", "é", "ß", "Ж", "中", "\u200b", "\u202e", "\ufeff",
         "\uffff", "\u2028", "\u0301", "😀", "𝄞", "\U0010FFFF"];

    private static readonly string[] WrongKinds =
        ["true", "false", "0", "-1.5", "\"x\"", "[]", "{}", "[1,\"a\",null]", "{\"a\":{\"b\":[]}}", new string('[', 20) + new string(']', 20)];

    private static readonly string[] BadTimestamps =
        ["2025-01-01T00:00:00", "2025-01-01", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01T24:00:00Z",
         "2025-01-01T00:00:00+14:01", "2025-01-01T00:00:00.12345678Z", "2025-01-01T00:00:00z", "0001-01-01T00:00:00+00:01",
         "9999-12-31T23:59:59-00:01", "now", "", "2025-01-01T00:00:00Z ", "+2025-01-01T00:00:00Z", "2025-01-01T00:00:00+0100", "١٢٣٤-01-01T00:00:00Z"];

    private static readonly string[] BadDates =
        ["2025-02-30", "2025-2-3", "20250203", "2025-02-03T00:00:00Z", "0000-01-01", "10000-01-01", "", "2025/02/03", " 2025-02-03", "2025-02-03\u0000"];

    /// <summary>A JSON value: mostly valid, sometimes refused.</summary>
    public Gen<FieldValue> Any(FieldDefinition field) => Gen.Frequency((4, Valid(field)), (1, Invalid(field)));

    public Gen<FieldValue> Valid(FieldDefinition field)
    {
        var value = field.Type switch
        {
            CrmFieldType.Integer => ValidInteger(field),
            CrmFieldType.Decimal => ValidDecimal(field),
            CrmFieldType.Boolean => Gen.Elements("true", "false"),
            CrmFieldType.Uuid => Gen.Elements(ReferencedRows(field)).SelectMany(id => Gen.Elements(id.ToString("D"), id.ToString("D").ToUpperInvariant())).Select(JsonText.Quote),
            _ => ValidText(field, forQuery: false).Select(JsonText.Quote),
        };
        var valid = value.Select(json => new FieldValue(json, true));
        return field.Nullable ? Gen.Frequency((6, valid), (1, Gen.Constant(new FieldValue("null", true)))) : valid;
    }

    public Gen<FieldValue> Invalid(FieldDefinition field)
    {
        var wrongKind = Gen.Elements(WrongKinds.Where(json => !SameKind(field, json)).ToArray());
        var value = field.Type switch
        {
            CrmFieldType.Integer => Gen.Elements(InvalidIntegers(field)),
            CrmFieldType.Decimal => InvalidDecimal(field),
            CrmFieldType.Boolean => Gen.Elements("\"true\"", "1", "0"),
            CrmFieldType.Uuid => Gen.Frequency(
                (1, Gen.Fresh(Guid.NewGuid).Select(id => JsonText.Quote(id.ToString("D")))),
                (2, InvalidText(field, forQuery: false).Select(JsonText.Quote))),
            _ => InvalidText(field, forQuery: false).Select(JsonText.Quote),
        };
        var invalid = Gen.Frequency((4, value), (1, wrongKind));
        return (field.Nullable ? invalid : Gen.Frequency((4, invalid), (1, Gen.Constant("null")))).Select(json => new FieldValue(json, false));
    }

    /// <summary>Text as a query string or a JSON string carries it, which the field's type and constraints accept.</summary>
    public Gen<string> ValidText(FieldDefinition field, bool forQuery) => field.Type switch
    {
        CrmFieldType.String when field.Pattern is not null => Gen.Elements(PatternAlternatives(field)),
        CrmFieldType.String => Length(field.MinLength ?? 0, field.MaxLength!.Value).SelectMany(n => Text(n)),
        CrmFieldType.Enum => Gen.Elements(field.EnumValues.ToArray()),
        CrmFieldType.Uuid => forQuery
            ? Gen.Frequency((2, Gen.Elements(ReferencedRows(field))), (1, Gen.Fresh(Guid.NewGuid))).Select(id => id.ToString("D"))
            : Gen.Elements(ReferencedRows(field)).Select(id => id.ToString("D")),
        CrmFieldType.Integer => ValidInteger(field),
        CrmFieldType.Decimal => ValidDecimal(field).Where(text => !text.Contains('e', StringComparison.OrdinalIgnoreCase)),
        CrmFieldType.Boolean => Gen.Elements("true", "false"),
        CrmFieldType.Date => Gen.Frequency((6, Long(0, DateOnly.MaxValue.DayNumber)), (1, Gen.Elements(0L, DateOnly.MaxValue.DayNumber, 730_119L)))
            .Select(day => DateOnly.FromDayNumber((int)day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        CrmFieldType.Timestamp => ValidTimestamp(),
        _ => throw new InvalidOperationException($"Unknown field type {field.Type}."),
    };

    /// <summary>Text the field refuses; for query strings, without lone surrogates (a URL cannot carry them).</summary>
    public Gen<string> InvalidText(FieldDefinition field, bool forQuery)
    {
        var id = Guid.NewGuid().ToString("D");
        return field.Type switch
        {
            CrmFieldType.String => Gen.OneOf(
                [
                    Gen.Choose(field.MaxLength!.Value + 1, field.MaxLength!.Value + 3).SelectMany(n => Text(n)),
                    Length(field.MinLength ?? 0, field.MaxLength!.Value).SelectMany(n => Text(n))
                        .SelectMany(text => Gen.Choose(0, text.Length).Select(at => text.Insert(at, "\0"))),
                    .. forQuery ? Array.Empty<Gen<string>>() : [Gen.Elements("\ud800", "\udc00x", "a\udbff")],
                    .. field.MinLength >= 1 ? [Gen.Constant(string.Empty)] : Array.Empty<Gen<string>>(),
                    .. field.Pattern is null ? Array.Empty<Gen<string>>() : [Gen.Elements(PatternMismatches(field))],
                ]),
            CrmFieldType.Enum => Gen.Elements(field.EnumValues.SelectMany(v => new[] { v.ToUpperInvariant(), v + " ", " " + v, v + "\0" })
                .Append(string.Empty).Append("unknown").Where(v => !field.EnumValues.Contains(v)).ToArray()),
            CrmFieldType.Uuid => Gen.Elements("", "not-a-uuid", id.Replace("-", "", StringComparison.Ordinal), "{" + id + "}", id[..^1], id + "0", id[..^1] + "g", " " + id),
            CrmFieldType.Integer => Gen.Elements(["1.5", "1e2", "", "ten", " 1", "99999999999999999999", .. OutOfRange(field).Select(v => v.ToString(CultureInfo.InvariantCulture))]),
            CrmFieldType.Decimal => Gen.Elements(["1e2", "", "ten", "1,5", .. OutOfRange(field).Select(v => v.ToString(CultureInfo.InvariantCulture))]),
            CrmFieldType.Boolean => Gen.Elements("True", "1", "yes", "", "false "),
            CrmFieldType.Date => Gen.Elements(BadDates),
            CrmFieldType.Timestamp => Gen.Elements(BadTimestamps),
            _ => throw new InvalidOperationException($"Unknown field type {field.Type}."),
        };
    }

    /// <summary>A whole number from min to max (inclusive), without overflowing for wide ranges.</summary>
    public static Gen<long> Long(long min, long max) =>
        from high in Gen.Choose(0, int.MaxValue)
        from low in Gen.Choose(0, int.MaxValue)
        select (long)(min + (Int128)(((UInt128)(uint)high << 31 | (uint)low) % (UInt128)((Int128)max - min + 1)));

    /// <summary>A length from min to max, mostly small (by FsCheck's size), often exactly an edge.</summary>
    private static Gen<int> Length(int min, int max) =>
        Gen.Sized(size => Gen.Frequency((6, Gen.Choose(min, Math.Min(max, min + size))), (1, Gen.Constant(min)), (1, Gen.Constant(max))));

    /// <summary>Text of exactly <paramref name="codePoints"/> code points (the unit the API and PostgreSQL count).</summary>
    private static Gen<string> Text(int codePoints) =>
        Gen.ArrayOf(Gen.Frequency((8, Gen.Elements(Letters)), (1, Gen.Elements(Unusual))), codePoints).Select(string.Concat);

    private Guid[] ReferencedRows(FieldDefinition field) =>
        [.. seeds.TryGetValue(field.References ?? string.Empty, out var rows) && rows.Count > 0
            ? rows
            : throw new InvalidOperationException($"No seeded rows for {field}, which references {field.References}.")];

    private static bool SameKind(FieldDefinition field, string json) => field.Type switch
    {
        CrmFieldType.Integer or CrmFieldType.Decimal => char.IsAsciiDigit(json[0]) || json[0] == '-',
        CrmFieldType.Boolean => json is "true" or "false",
        _ => json[0] == '"',
    };
}
