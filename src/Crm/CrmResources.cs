using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OrleansTenants.Crm;

/// <summary>
/// The registry of CRM resources: the one place that says which resources exist, which fields each has, which
/// are required, filterable and sortable, and how they map to tables and columns (see
/// CrmResources.Definitions.cs). The HTTP API, its OpenAPI document and <see cref="CrmRepository"/> all read it.
/// </summary>
public static partial class CrmResources
{
    // Both initialized here, in this order; the definitions (in the other part) use no static fields.
    private static readonly ResourceDefinition[] Ordered = Build();
    private static readonly FrozenDictionary<string, ResourceDefinition> ByName = Ordered.ToFrozenDictionary(r => r.Name, StringComparer.Ordinal);

    /// <summary>Every resource, in documentation order.</summary>
    public static IReadOnlyList<ResourceDefinition> All => Ordered;

    /// <summary>Finds a resource by its URL name (exact, case-sensitive).</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out ResourceDefinition? resource) =>
        ByName.TryGetValue(name, out resource);

    /// <summary>The resource with this URL name; throws for an unknown name (a programming error, not a client one).</summary>
    public static ResourceDefinition Get(string name) =>
        TryGet(name, out var resource) ? resource : throw new KeyNotFoundException($"There is no CRM resource named {name}.");

    private static ResourceDefinition[] Build()
    {
        var ordered = Definitions().ToArray();
        var resources = ordered.ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (var resource in ordered)
        {
            foreach (var field in resource.Fields.Where(f => f.References is not null))
            {
                if (!resources.ContainsKey(field.References!))
                {
                    throw new InvalidOperationException($"{resource.Name}.{field.Name} references unknown resource {field.References}.");
                }
            }
        }

        return ordered;
    }

    private static string Snake(string camel)
    {
        var builder = new StringBuilder(camel.Length + 4);
        foreach (var c in camel)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                builder.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    // Field builders. Columns are the snake_case of the JSON name; "defaulted" means NOT NULL with a database default
    // (optional on create, never null). Lengths and ranges mirror the CHECK constraints of infra/migrations/tenant.
    private static FieldDefinition Text(string name, int max, bool required = false, bool filterable = false, bool sortable = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.String)
        {
            Required = required,
            Nullable = !required,
            MinLength = required ? 1 : null,
            MaxLength = max,
            Filterable = filterable,
            Sortable = sortable,
            Description = description,
        };

    private static FieldDefinition Enum(string name, string[] values, bool required = false, bool defaulted = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.Enum)
        {
            Required = required,
            Nullable = !required && !defaulted,
            EnumValues = values,
            Filterable = true,
            Description = description,
        };

    private static FieldDefinition Reference(string name, string resource, bool required = false) =>
        new(name, Snake(name), CrmFieldType.Uuid)
        {
            Required = required,
            Nullable = !required,
            References = resource,
            Filterable = true,
            Description = $"The id of a row of {resource} in the same tenant.",
        };

    private static FieldDefinition Money(string name, bool required = false, bool defaulted = false, bool positive = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.Decimal)
        {
            Required = required,
            Nullable = !required && !defaulted,
            Minimum = 0,
            ExclusiveMinimum = positive,
            Maximum = 999_999_999_999.99m,
            Scale = 2,
            Description = description,
        };

    private static FieldDefinition Integer(string name, long minimum, long maximum, bool defaulted = false, bool sortable = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.Integer)
        {
            Nullable = !defaulted,
            Minimum = minimum,
            Maximum = maximum,
            Sortable = sortable,
            Description = description,
        };

    private static FieldDefinition Date(string name, bool sortable = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.Date) { Sortable = sortable, Description = description };

    private static FieldDefinition Timestamp(string name, bool required = false, bool defaulted = false, bool sortable = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.Timestamp)
        {
            Required = required,
            Nullable = !required && !defaulted,
            Sortable = sortable,
            Description = description,
        };

    private static FieldDefinition Boolean(string name, bool defaulted = false, bool filterable = false, string? description = null) =>
        new(name, Snake(name), CrmFieldType.Boolean) { Nullable = !defaulted, Filterable = filterable, Description = description };
}
