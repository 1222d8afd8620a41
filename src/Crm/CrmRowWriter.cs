using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Npgsql;

namespace OrleansTenants.Crm;

/// <summary>
/// Writes rows straight from an <see cref="NpgsqlDataReader"/> (whose columns are the resource's
/// <see cref="ResourceDefinition.SelectList"/>) as JSON objects, and reads single typed values for cursors and rules.
/// </summary>
internal static class CrmRowWriter
{
    /// <summary>
    /// Responses are application/json for API clients, never inlined into HTML, so characters such as '+' and
    /// non-ASCII letters are written as they are rather than as \u escapes.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteRow(Utf8JsonWriter writer, NpgsqlDataReader reader, ResourceDefinition resource)
    {
        Span<char> text = stackalloc char[32];
        writer.WriteStartObject();
        var fields = resource.Fields;
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            if (reader.IsDBNull(i))
            {
                writer.WriteNull(field.EncodedName);
                continue;
            }

            switch (field.Type)
            {
                case CrmFieldType.String:
                case CrmFieldType.Enum:
                    writer.WriteString(field.EncodedName, reader.GetString(i));
                    break;
                case CrmFieldType.Uuid:
                    writer.WriteString(field.EncodedName, reader.GetGuid(i));
                    break;
                case CrmFieldType.Integer:
                    writer.WriteNumber(field.EncodedName, reader.GetFieldValue<long>(i));
                    break;
                case CrmFieldType.Decimal:
                    writer.WriteNumber(field.EncodedName, reader.GetDecimal(i));
                    break;
                case CrmFieldType.Boolean:
                    writer.WriteBoolean(field.EncodedName, reader.GetBoolean(i));
                    break;
                case CrmFieldType.Date:
                    reader.GetFieldValue<DateOnly>(i).TryFormat(text, out var dateLength, CrmValues.DateFormat, CultureInfo.InvariantCulture);
                    writer.WriteString(field.EncodedName, text[..dateLength]);
                    break;
                case CrmFieldType.Timestamp:
                    reader.GetFieldValue<DateTime>(i).TryFormat(text, out var timestampLength, CrmValues.TimestampFormat, CultureInfo.InvariantCulture);
                    writer.WriteString(field.EncodedName, text[..timestampLength]);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown field type {field.Type}.");
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>The value of one field of the current row, typed as <see cref="CrmValues"/> types them.</summary>
    public static object? ReadValue(NpgsqlDataReader reader, int ordinal, FieldDefinition field)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        return field.Type switch
        {
            CrmFieldType.String or CrmFieldType.Enum => reader.GetString(ordinal),
            CrmFieldType.Uuid => reader.GetGuid(ordinal),
            CrmFieldType.Integer => reader.GetFieldValue<long>(ordinal),
            CrmFieldType.Decimal => reader.GetDecimal(ordinal),
            CrmFieldType.Boolean => reader.GetBoolean(ordinal),
            CrmFieldType.Date => reader.GetFieldValue<DateOnly>(ordinal),
            CrmFieldType.Timestamp => DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc),
            _ => throw new InvalidOperationException($"Unknown field type {field.Type}."),
        };
    }
}
