using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.TestSupport;

namespace OrleansTenants.Crm.Tests;

/// <summary>Valid bodies built from the registry: every writable field set, referenced rows created first.</summary>
internal static class CrmSamples
{
    public const string Timestamp = "2025-06-30T11:30:00.123456+02:00";
    public const string LaterTimestamp = "2025-06-30T15:45:10Z";

    /// <summary>A body with every writable field of <paramref name="resource"/> set, creating the rows it references.</summary>
    public static async Task<Dictionary<string, object?>> FullBodyAsync(CrmDatabase database, string tenantId, ResourceDefinition resource)
    {
        var body = new Dictionary<string, object?>();
        foreach (var field in resource.WritableFields)
        {
            body[field.Name] = field.References is { } target
                ? (await CreateAsync(database, tenantId, target)).ToString()
                : SampleValue(field);
        }

        return body;
    }

    /// <summary>Creates a row of <paramref name="resource"/> (and whatever it references) and returns its id.</summary>
    public static async Task<Guid> CreateAsync(CrmDatabase database, string tenantId, string resource)
    {
        var body = await FullBodyAsync(database, tenantId, CrmResources.Get(resource));
        return (await database.CreateAsync(tenantId, resource, body)).Id;
    }

    public static object SampleValue(FieldDefinition field) => field.Type switch
    {
        CrmFieldType.String when field.Pattern is not null => "EUR",
        CrmFieldType.String when field.Name == "number" => "INV-" + Guid.NewGuid().ToString("N")[..10],
        CrmFieldType.String when field.Name == "email" => "someone@example.com",
        CrmFieldType.String => Truncate($"{field.Name} é✓日本 'x'", field.MaxLength!.Value),
        CrmFieldType.Enum => field.EnumValues[^1],
        CrmFieldType.Integer => 42L,
        CrmFieldType.Decimal => 1234.5m,
        CrmFieldType.Boolean => true,
        CrmFieldType.Date => "2025-06-30",
        CrmFieldType.Timestamp => field.Name == "endsAt" ? LaterTimestamp : Timestamp,
        _ => throw new InvalidOperationException($"No sample for {field}."),
    };

    /// <summary>Another valid value, different from <see cref="SampleValue"/>.</summary>
    public static object OtherValue(FieldDefinition field) => field.Type switch
    {
        CrmFieldType.String when field.Pattern is not null => "GBP",
        CrmFieldType.String when field.Name == "number" => "INV-" + Guid.NewGuid().ToString("N")[..10],
        CrmFieldType.String => Truncate("patched ✓", field.MaxLength!.Value),
        CrmFieldType.Enum => field.EnumValues[0],
        CrmFieldType.Integer => 7L,
        CrmFieldType.Decimal => 7.25m,
        CrmFieldType.Boolean => false,
        CrmFieldType.Date => "2024-02-29",
        CrmFieldType.Timestamp => "2024-01-01T00:00:00Z",
        _ => throw new InvalidOperationException($"No other value for {field}."),
    };

    /// <summary>Asserts that a response field holds the value sent (timestamps as instants, decimals as numbers).</summary>
    public static void ShouldMatch(JsonElement row, FieldDefinition field, object? expected)
    {
        var actual = row.GetProperty(field.Name);
        if (expected is null)
        {
            actual.ValueKind.Should().Be(JsonValueKind.Null, field.Name);
            return;
        }

        switch (field.Type)
        {
            case CrmFieldType.Timestamp:
                var text = actual.GetString()!;
                text.Should().EndWith("Z", field.Name);
                DateTimeOffset.Parse(text, CultureInfo.InvariantCulture)
                    .Should().Be(DateTimeOffset.Parse((string)expected, CultureInfo.InvariantCulture), field.Name);
                break;
            case CrmFieldType.Decimal:
                actual.GetDecimal().Should().Be(Convert.ToDecimal(expected, CultureInfo.InvariantCulture), field.Name);
                break;
            case CrmFieldType.Integer:
                actual.GetInt64().Should().Be(Convert.ToInt64(expected, CultureInfo.InvariantCulture), field.Name);
                break;
            case CrmFieldType.Boolean:
                actual.GetBoolean().Should().Be((bool)expected, field.Name);
                break;
            default:
                actual.GetString().Should().Be(expected.ToString(), field.Name);
                break;
        }
    }

    private static string Truncate(string text, int maxCodePoints) =>
        string.Concat(text.EnumerateRunes().Take(maxCodePoints).Select(r => r.ToString()));
}
