using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// What the API must store for an accepted value, as the validation code defines it: strings and enums as sent,
/// uuids in lower case, numbers by their exact value (1.50 is 1.5), dates as sent, timestamps in UTC truncated to
/// the microsecond (PostgreSQL's precision) and written with six decimals and Z.
/// </summary>
internal static class RowOracle
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The canonical text of a JSON value the API accepted (or returned) for this field; null for JSON null.</summary>
    public static string? Canonical(FieldDefinition field, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return field.Type switch
        {
            CrmFieldType.String or CrmFieldType.Enum or CrmFieldType.Date => value.GetString(),
            CrmFieldType.Uuid => Guid.ParseExact(value.GetString()!, "D").ToString("D"),
            CrmFieldType.Integer or CrmFieldType.Decimal => ExactNumber(value.GetRawText()),
            CrmFieldType.Boolean => value.GetBoolean() ? "true" : "false",
            CrmFieldType.Timestamp => Timestamp(value.GetString()!),
            _ => throw new InvalidOperationException($"Unknown field type {field.Type}."),
        };
    }

    /// <summary>The canonical value a body sends for a field (the last member of that name), null when absent.</summary>
    public static string? Sent(IReadOnlyList<Member> members, FieldDefinition field)
    {
        var member = members.LastOrDefault(m => m.Name == field.Name);
        if (member is null)
        {
            return null;
        }

        using var value = JsonDocument.Parse(member.Json);
        return Canonical(field, value.RootElement);
    }

    /// <summary>The value as the API's rules compare it (DateTime in UTC, decimal, ...), for <see cref="CrossFieldRule.Check"/>.</summary>
    public static object? Typed(FieldDefinition field, JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : field.Type switch
    {
        CrmFieldType.String or CrmFieldType.Enum => value.GetString(),
        CrmFieldType.Uuid => Guid.ParseExact(value.GetString()!, "D"),
        CrmFieldType.Integer => value.GetInt64(),
        CrmFieldType.Decimal => decimal.Parse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture),
        CrmFieldType.Boolean => value.GetBoolean(),
        CrmFieldType.Date => DateOnly.ParseExact(value.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        CrmFieldType.Timestamp => Microseconds(value.GetString()!),
        _ => throw new InvalidOperationException($"Unknown field type {field.Type}."),
    };

    /// <summary>The fields the resource's cross-field rules report for these values (JSON name to typed value).</summary>
    public static IEnumerable<string> RuleFaults(ResourceDefinition resource, IReadOnlyDictionary<string, object?> row) =>
        resource.Rules.Where(rule => rule.Check(row) is not null).Select(rule => rule.ReportedField);

    /// <summary>A timestamp's canonical text: UTC, truncated to the microsecond.</summary>
    public static string Timestamp(string text) => Microseconds(text).ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static DateTime Microseconds(string text)
    {
        var utc = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
    }

    /// <summary>
    /// The exact value of a JSON number literal as plain decimal text without trailing zeros (1.50e1 is 15), computed on
    /// the digits so that no .NET type rounds it.
    /// </summary>
    public static string ExactNumber(string literal)
    {
        var negative = literal.StartsWith('-');
        var text = negative ? literal[1..] : literal;
        var e = text.IndexOfAny(['e', 'E']);
        var exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? text : text[..e];
        var point = mantissa.IndexOf('.');
        var digits = (point < 0 ? mantissa : mantissa.Remove(point, 1)).TrimStart('0');
        var scale = (point < 0 ? 0 : mantissa.Length - point - 1) - exponent;
        if (digits.Length == 0)
        {
            return "0";
        }

        while (digits.EndsWith('0'))
        {
            digits = digits[..^1];
            scale--;
        }

        var plain = scale <= 0 ? digits + new string('0', -scale)
            : scale >= digits.Length ? "0." + new string('0', scale - digits.Length) + digits
            : digits.Insert(digits.Length - scale, ".");
        return negative ? "-" + plain : plain;
    }

    /// <summary>A stored row (as the API returns it) equals what was sent, field by field; fields not sent keep <paramref name="before"/>'s value, or on create are null unless defaulted.</summary>
    public static void ShouldHold(ResourceDefinition resource, JsonElement row, IReadOnlyList<Member> sent, JsonElement? before, string because)
    {
        foreach (var field in resource.WritableFields)
        {
            var got = Canonical(field, row.GetProperty(field.Name));
            var member = sent.FirstOrDefault(m => m.Name == field.Name);
            if (member is not null)
            {
                using var value = JsonDocument.Parse(member.Json);
                got.Should().Be(Canonical(field, value.RootElement), $"{field.Name} as sent: {because}");
            }
            else if (before is { } stored)
            {
                got.Should().Be(Canonical(field, stored.GetProperty(field.Name)), $"{field.Name} unchanged: {because}");
            }
            else if (field.Nullable)
            {
                got.Should().BeNull($"{field.Name} was not sent: {because}");
            }
            else
            {
                got.Should().NotBeNull($"{field.Name} has a default: {because}");
            }
        }

        Guid.TryParseExact(row.GetProperty("id").GetString(), "D", out _).Should().BeTrue(because);
    }
}
