using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansTenants.Crm;

/// <summary>
/// Converts client input (JSON values, query-string text) into the typed values the SQL binds — string, Guid,
/// long, decimal, bool, DateOnly, DateTime (UTC) — checks a field's constraints on them, and formats them back.
/// Reasons never repeat the client's value.
/// </summary>
internal static partial class CrmValues
{
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>Timestamps out: UTC, microseconds (PostgreSQL's precision), <c>Z</c>.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>Converts a JSON value (not null) to the field's type; constraints are checked by <see cref="CheckConstraints"/>.</summary>
    public static bool TryFromJson(FieldDefinition field, JsonElement element, out object? value, out string? reason)
    {
        value = null;
        reason = null;
        switch (field.Type)
        {
            case CrmFieldType.Integer:
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var integer))
                {
                    reason = element.ValueKind == JsonValueKind.Number ? IntegerReason(field, element.GetRawText()) : "must be an integer";
                    return false;
                }

                value = integer;
                return true;
            case CrmFieldType.Decimal:
                if (element.ValueKind != JsonValueKind.Number)
                {
                    reason = "must be a number";
                    return false;
                }

                return TryDecimal(field, element.GetRawText(), NumberStyles.Float, out value, out reason);
            case CrmFieldType.Boolean:
                if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    reason = "must be true or false";
                    return false;
                }

                value = element.GetBoolean();
                return true;
            default:
                if (element.ValueKind != JsonValueKind.String)
                {
                    reason = $"must be a string ({Expected(field)})";
                    return false;
                }

                string text;
                try
                {
                    text = element.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    reason = "is not valid Unicode text";
                    return false;
                }

                return TryFromText(field, text, out value, out reason);
        }
    }

    /// <summary>Converts text (a query-string value, or a JSON string) to the field's type.</summary>
    public static bool TryFromText(FieldDefinition field, string text, out object? value, out string? reason)
    {
        value = null;
        reason = null;
        switch (field.Type)
        {
            case CrmFieldType.String:
            case CrmFieldType.Enum:
                if (!CrmText.IsStorable(text))
                {
                    reason = "must be valid Unicode text without NUL characters";
                    return false;
                }

                value = text;
                return true;
            case CrmFieldType.Uuid:
                if (text.Length != 36 || !Guid.TryParseExact(text, "D", out var guid))
                {
                    reason = "must be a UUID (8-4-4-4-12 hexadecimal digits)";
                    return false;
                }

                value = guid;
                return true;
            case CrmFieldType.Integer:
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    reason = IntegerReason(field, text);
                    return false;
                }

                value = integer;
                return true;
            case CrmFieldType.Decimal:
                return TryDecimal(field, text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, out value, out reason);
            case CrmFieldType.Boolean:
                if (text is not ("true" or "false"))
                {
                    reason = "must be true or false";
                    return false;
                }

                value = text == "true";
                return true;
            case CrmFieldType.Date:
                if (!DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    reason = "must be a date in ISO 8601 format (yyyy-MM-dd)";
                    return false;
                }

                value = date;
                return true;
            case CrmFieldType.Timestamp:
                if (!IsoTimestamp().IsMatch(text)
                    || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var timestamp))
                {
                    reason = "must be an ISO 8601 timestamp with a UTC offset, such as 2025-01-31T09:30:00Z";
                    return false;
                }

                // PostgreSQL keeps microseconds, and Npgsql drops the rest towards 2000-01-01, which moves earlier instants
                // up (1999-12-31T23:59:59.9999999Z became 2000-01-01): truncated towards the past here, the value checked
                // against rules, hashed for idempotency and compared in cursors is the one stored.
                var utc = timestamp.UtcDateTime;
                value = new DateTime(utc.Ticks - (utc.Ticks % TicksPerMicrosecond), DateTimeKind.Utc);
                return true;
            default:
                throw new InvalidOperationException($"Unknown field type {field.Type}.");
        }
    }

    /// <summary>Checks lengths, ranges, decimals, enum values and patterns; returns the reason for the first violation.</summary>
    public static string? CheckConstraints(FieldDefinition field, object value)
    {
        switch (value)
        {
            case string text when field.Type == CrmFieldType.Enum:
                return field.EnumValues.Contains(text, StringComparer.Ordinal)
                    ? null
                    : $"must be one of: {string.Join(", ", field.EnumValues)}";
            case string text:
                var length = CrmText.CodePoints(text);
                if (field.MinLength is { } min && length < min)
                {
                    return min == 1 ? "must not be empty" : $"must be at least {min} characters long";
                }

                if (field.MaxLength is { } max && length > max)
                {
                    return $"must be at most {max} characters long";
                }

                if (field.PatternRegex is { } regex && !regex.IsMatch(text))
                {
                    return $"must be {field.PatternDescription ?? "in the documented format"}";
                }

                return null;
            case long integer:
                return CheckRange(field, integer);
            case decimal number:
                return CheckRange(field, number);
            default:
                return null;
        }
    }

    /// <summary>Writes a typed value as JSON the way responses show it.</summary>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case Guid guid:
                writer.WriteStringValue(guid);
                break;
            case long integer:
                writer.WriteNumberValue(integer);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case DateOnly date:
                writer.WriteStringValue(FormatDate(date));
                break;
            case DateTime timestamp:
                writer.WriteStringValue(FormatTimestamp(timestamp));
                break;
            default:
                throw new InvalidOperationException($"Unexpected value type {value.GetType()}.");
        }
    }

    public static string FormatDate(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static string FormatTimestamp(DateTime timestamp) =>
        DateTime.SpecifyKind(timestamp, DateTimeKind.Utc).ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>Rounds a decimal away from trailing zeros: 1.50 and 1.5 are the same value.</summary>
    public static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static string? CheckRange(FieldDefinition field, decimal value)
    {
        if (field.Minimum is { } min && (field.ExclusiveMinimum ? value <= min : value < min))
        {
            return field.ExclusiveMinimum ? $"must be greater than {Format(min)}" : $"must be at least {Format(min)}";
        }

        if (field.Maximum is { } max && value > max)
        {
            return $"must be at most {Format(max)}";
        }

        return null;
    }

    private static string Format(decimal value) => Normalize(value).ToString(CultureInfo.InvariantCulture);

    private static string Expected(FieldDefinition field) => field.Type switch
    {
        CrmFieldType.Uuid => "a UUID",
        CrmFieldType.Date => "a date, yyyy-MM-dd",
        CrmFieldType.Timestamp => "an ISO 8601 timestamp",
        CrmFieldType.Enum => $"one of: {string.Join(", ", field.EnumValues)}",
        _ => "text",
    };

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestamp();
}
