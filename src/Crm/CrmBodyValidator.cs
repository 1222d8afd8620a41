using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using OrleansTenants.Abstractions.Crm;

namespace OrleansTenants.Crm;

/// <summary>A validated value for one field; <see cref="Value"/> is null to store NULL.</summary>
public sealed record FieldValue(FieldDefinition Field, object? Value);

/// <summary>
/// Validates a create body or a merge patch against a <see cref="ResourceDefinition"/>, before any SQL:
/// a JSON object, known and writable fields only, each once, of the right type and within its constraints,
/// required fields present (create) and never null, and the resource's cross-field rules.
/// </summary>
public static class CrmBodyValidator
{
    private const int MaxErrors = 50;

    /// <summary>The values of a create request, in field order; throws <see cref="CrmValidationException"/>.</summary>
    public static IReadOnlyList<FieldValue> ValidateCreate(ResourceDefinition resource, JsonElement body)
    {
        var errors = new List<CrmFieldError>();
        var values = ReadFields(resource, body, isPatch: false, errors);
        if (body.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in resource.RequiredFields)
            {
                if (!values.Any(v => v.Field == field) && !errors.Any(e => e.Field == field.Name))
                {
                    Add(errors, new CrmFieldError(field.Name, "is required"));
                }
            }
        }

        if (errors.Count == 0)
        {
            CheckRules(resource, values.ToDictionary(v => v.Field.Name, v => v.Value, StringComparer.Ordinal), errors);
        }

        ThrowIfAny(resource, errors);
        return values;
    }

    /// <summary>The values of a merge patch, in field order; cross-field rules are checked by the caller against the stored row.</summary>
    public static IReadOnlyList<FieldValue> ValidatePatch(ResourceDefinition resource, JsonElement patch)
    {
        var errors = new List<CrmFieldError>();
        var values = ReadFields(resource, patch, isPatch: true, errors);
        ThrowIfAny(resource, errors);
        return values;
    }

    /// <summary>Checks every rule of the resource against a whole row (JSON name to value).</summary>
    public static void CheckRules(ResourceDefinition resource, IReadOnlyDictionary<string, object?> row)
    {
        var errors = new List<CrmFieldError>();
        CheckRules(resource, row, errors);
        ThrowIfAny(resource, errors);
    }

    private static void CheckRules(ResourceDefinition resource, IReadOnlyDictionary<string, object?> row, List<CrmFieldError> errors)
    {
        foreach (var rule in resource.Rules)
        {
            if (rule.Check(row) is { } error)
            {
                Add(errors, error);
            }
        }
    }

    private static List<FieldValue> ReadFields(ResourceDefinition resource, JsonElement body, bool isPatch, List<CrmFieldError> errors)
    {
        var values = new List<FieldValue>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            Add(errors, new CrmFieldError(CrmFieldError.Body, "the body must be a JSON object"));
            return values;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!TryGetName(property, out var name))
            {
                Add(errors, new CrmFieldError(CrmFieldError.Body, "has a member name that is not valid Unicode text"));
                continue;
            }

            if (!seen.Add(name))
            {
                Add(errors, new CrmFieldError(CrmText.ClientName(name), "appears more than once"));
                continue;
            }

            if (!resource.TryGetField(name, out var field))
            {
                Add(errors, new CrmFieldError(CrmText.ClientName(name), $"is not a field of {resource.Name}"));
                continue;
            }

            if (field.ReadOnly)
            {
                Add(errors, new CrmFieldError(field.Name, "is read-only"));
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                if (field.Nullable)
                {
                    values.Add(new FieldValue(field, null));
                }
                else
                {
                    Add(errors, new CrmFieldError(field.Name, NullReason(field, isPatch)));
                }

                continue;
            }

            if (!CrmValues.TryFromJson(field, property.Value, out var value, out var reason)
                || (reason = CrmValues.CheckConstraints(field, value!)) is not null)
            {
                Add(errors, new CrmFieldError(field.Name, reason!));
                continue;
            }

            values.Add(new FieldValue(field, value));
        }

        values.Sort((a, b) => resource.OrdinalOf(a.Field).CompareTo(resource.OrdinalOf(b.Field)));
        return values;
    }

    /// <summary>A member's name, unless it is not Unicode text (invalid UTF-8, a lone surrogate escape), which cannot be read nor repeated.</summary>
    private static bool TryGetName(JsonProperty property, [NotNullWhen(true)] out string? name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = null;
            return false;
        }
    }

    private static string NullReason(FieldDefinition field, bool isPatch) =>
        field.Required
            ? (isPatch ? "is required and cannot be cleared" : "is required")
            : (isPatch ? "cannot be null" : "cannot be null; leave it out to use the default");

    private static void Add(List<CrmFieldError> errors, CrmFieldError error)
    {
        if (errors.Count < MaxErrors)
        {
            errors.Add(error);
        }
        else if (errors.Count == MaxErrors)
        {
            errors.Add(new CrmFieldError(CrmFieldError.Body, $"too many errors; only the first {MaxErrors} are listed"));
        }
    }

    private static void ThrowIfAny(ResourceDefinition resource, List<CrmFieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new CrmValidationException(resource.Name, errors);
        }
    }
}
