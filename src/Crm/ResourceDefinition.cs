using System.Text.RegularExpressions;

namespace OrleansTenants.Crm;

/// <summary>A unique constraint of a resource's table and the field a clash is reported on (HTTP 409).</summary>
public sealed record UniqueKeyDefinition(string ConstraintName, string Field, string Reason);

/// <summary>
/// One CRM resource as the HTTP API exposes it: its URL name, its table in schema <c>crm</c>, its fields (the
/// first three are always <c>id</c>, <c>createdAt</c> and <c>updatedAt</c>, read-only), the default sort and the
/// rules across fields. Built once, at start-up, by <see cref="CrmResources"/>; a definition that contradicts
/// itself throws there.
/// </summary>
public sealed partial class ResourceDefinition
{
    public const string Schema = "crm";

    private static readonly string[] ReservedParameters = ["limit", "sort", "cursor"];

    private readonly Dictionary<string, FieldDefinition> _byName;
    private readonly Dictionary<string, int> _ordinals;

    public ResourceDefinition(
        string name,
        string itemName,
        string table,
        IEnumerable<FieldDefinition> fields,
        string defaultSort = "createdAt",
        IEnumerable<CrossFieldRule>? rules = null,
        IEnumerable<UniqueKeyDefinition>? uniqueKeys = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (!UrlName().IsMatch(name))
        {
            throw new ArgumentException($"Resource name '{name}' must be lower-case kebab-case.", nameof(name));
        }

        if (!FieldDefinition.SqlIdentifier().IsMatch(table))
        {
            throw new ArgumentException($"Table name '{table}' must be a lower-case SQL identifier.", nameof(table));
        }

        Name = name;
        ItemName = itemName;
        Table = table;
        Fields = [.. StandardFields(), .. fields];
        Rules = [.. rules ?? []];
        UniqueKeys = [.. uniqueKeys ?? []];

        _byName = new Dictionary<string, FieldDefinition>(StringComparer.Ordinal);
        _ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Fields.Count; i++)
        {
            var field = Fields[i];
            if (!_byName.TryAdd(field.Name, field))
            {
                throw new ArgumentException($"Resource {name} defines field {field.Name} twice.", nameof(fields));
            }

            _ordinals[field.Name] = i;
            CheckField(field);
            if (field.References is not null)
            {
                field.ForeignKeyConstraint ??= $"{table}_{field.Column[..^"_id".Length]}_fkey";
            }
        }

        if (Fields.Select(f => f.Column).Distinct(StringComparer.Ordinal).Count() != Fields.Count)
        {
            throw new ArgumentException($"Resource {name} maps two fields to one column.", nameof(fields));
        }

        DefaultSort = defaultSort;
        var sortName = defaultSort.StartsWith('-') ? defaultSort[1..] : defaultSort;
        if (!_byName.TryGetValue(sortName, out var sortField) || !sortField.Sortable)
        {
            throw new ArgumentException($"Default sort '{defaultSort}' of {name} is not a sortable field.", nameof(defaultSort));
        }

        foreach (var field in Rules.SelectMany(r => r.Fields).Concat(UniqueKeys.Select(u => u.Field)))
        {
            if (!_byName.ContainsKey(field))
            {
                throw new ArgumentException($"A rule or unique key of {name} names unknown field {field}.", nameof(rules));
            }
        }

        FilterableFields = [.. Fields.Where(f => f.Filterable)];
        SortableFields = [.. Fields.Where(f => f.Sortable)];
        WritableFields = [.. Fields.Where(f => f.Writable)];
        RequiredFields = [.. Fields.Where(f => f.Required)];
        QualifiedTable = $"{Schema}.\"{table}\"";
        SelectList = string.Join(", ", Fields.Select(f => f.QuotedColumn));
    }

    /// <summary>The name in the URL, for example <c>opportunity-line-items</c>.</summary>
    public string Name { get; }

    /// <summary>One row in words, for messages: "account", "opportunity line item".</summary>
    public string ItemName { get; }

    /// <summary>The table in schema <c>crm</c>.</summary>
    public string Table { get; }

    /// <summary>All fields in response order: id, createdAt, updatedAt, then the resource's own.</summary>
    public IReadOnlyList<FieldDefinition> Fields { get; }

    /// <summary>The sort used when a list query has none: <c>field</c> or <c>-field</c>.</summary>
    public string DefaultSort { get; }

    public IReadOnlyList<CrossFieldRule> Rules { get; }

    public IReadOnlyList<UniqueKeyDefinition> UniqueKeys { get; }

    /// <summary>Fields a list query may filter on by equality.</summary>
    public IReadOnlyList<FieldDefinition> FilterableFields { get; }

    /// <summary>Fields a list query may sort on.</summary>
    public IReadOnlyList<FieldDefinition> SortableFields { get; }

    /// <summary>Fields a request body may set.</summary>
    public IReadOnlyList<FieldDefinition> WritableFields { get; }

    /// <summary>Fields a create request must carry.</summary>
    public IReadOnlyList<FieldDefinition> RequiredFields { get; }

    /// <summary><c>crm."table"</c>.</summary>
    internal string QualifiedTable { get; }

    /// <summary>Every field's column, in <see cref="Fields"/> order: a reader's ordinal i is Fields[i].</summary>
    internal string SelectList { get; }

    public bool TryGetField(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FieldDefinition? field) =>
        _byName.TryGetValue(name, out field);

    /// <summary>The field with this JSON name; throws <see cref="KeyNotFoundException"/> for an unknown one.</summary>
    public FieldDefinition this[string name] => _byName[name];

    internal int OrdinalOf(FieldDefinition field) => _ordinals[field.Name];

    /// <summary>Where <c>id</c> is in <see cref="SelectList"/>: the standard fields come first, <c>id</c> before them all.</summary>
    internal const int IdOrdinal = 0;

    /// <summary>The field a database constraint is about (foreign keys, unique keys, column CHECKs, rules), if known.</summary>
    internal string? FieldForConstraint(string? constraintName)
    {
        if (constraintName is null)
        {
            return null;
        }

        var unique = UniqueKeys.FirstOrDefault(u => u.ConstraintName == constraintName);
        if (unique is not null)
        {
            return unique.Field;
        }

        var rule = Rules.FirstOrDefault(r => r.ConstraintName == constraintName);
        if (rule is not null)
        {
            return rule.ReportedField;
        }

        return Fields.FirstOrDefault(f => f.ForeignKeyConstraint == constraintName || $"{Table}_{f.Column}_check" == constraintName)?.Name;
    }

    public override string ToString() => Name;

    private static IEnumerable<FieldDefinition> StandardFields() =>
    [
        new("id", "id", CrmFieldType.Uuid) { ReadOnly = true, Nullable = false, Description = "The row's id, assigned on create." },
        new("createdAt", "created_at", CrmFieldType.Timestamp) { ReadOnly = true, Nullable = false, Sortable = true, Description = "When the row was created (UTC)." },
        new("updatedAt", "updated_at", CrmFieldType.Timestamp) { ReadOnly = true, Nullable = false, Sortable = true, Description = "When the row was last changed (UTC)." },
    ];

    private void CheckField(FieldDefinition field)
    {
        string? problem = null;
        if (field.Required && field.Nullable)
        {
            problem = "is required and nullable";
        }
        else if (field.Required && field.ReadOnly)
        {
            problem = "is required and read-only";
        }
        else if ((field.Type == CrmFieldType.Enum) != (field.EnumValues.Count > 0))
        {
            problem = "has enum values but is not an enum, or is an enum without values";
        }
        else if (field.References is not null && (field.Type != CrmFieldType.Uuid || !field.Column.EndsWith("_id", StringComparison.Ordinal)))
        {
            problem = "references a resource but is not a uuid column named *_id";
        }
        else if (ReservedParameters.Contains(field.Name))
        {
            problem = "has the name of a list parameter";
        }
        else if (field.Type == CrmFieldType.String && field.MaxLength is null)
        {
            problem = "is a string without a maximum length";
        }

        if (problem is not null)
        {
            throw new ArgumentException($"Field {Name}.{field.Name} {problem}.", nameof(field));
        }
    }

    [GeneratedRegex("^[a-z]+(-[a-z]+)*$")]
    private static partial Regex UrlName();
}
