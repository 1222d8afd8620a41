using System.Text.Json;
using System.Text.RegularExpressions;
using NpgsqlTypes;

namespace OrleansTenants.Crm;

/// <summary>
/// One field of a CRM resource: its camelCase JSON name, the column it maps to, its type and the rules its
/// values obey. Column names come only from here (the registry is the whitelist of identifiers); values are
/// always bind parameters.
/// </summary>
public sealed partial class FieldDefinition
{
    private readonly string? _pattern;
    private Regex? _regex;

    public FieldDefinition(string name, string column, CrmFieldType type)
    {
        if (!JsonName().IsMatch(name))
        {
            throw new ArgumentException($"Field name '{name}' must be camelCase ASCII.", nameof(name));
        }

        if (!SqlIdentifier().IsMatch(column))
        {
            throw new ArgumentException($"Column name '{column}' must be a lower-case SQL identifier.", nameof(column));
        }

        Name = name;
        Column = column;
        Type = type;
        EncodedName = JsonEncodedText.Encode(name);
    }

    /// <summary>The name in JSON bodies, query strings and sort parameters (camelCase).</summary>
    public string Name { get; }

    /// <summary>The column in the resource's table.</summary>
    public string Column { get; }

    public CrmFieldType Type { get; }

    /// <summary>Must be present (and not null) on create; can never be set to null.</summary>
    public bool Required { get; init; }

    /// <summary>May be null (sent as null, or cleared by a merge patch). False for required fields and for fields with a database default.</summary>
    public bool Nullable { get; init; } = true;

    /// <summary>Refused in request bodies (id, createdAt, updatedAt).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Usable as an equality filter in list queries (<c>?field=value</c>).</summary>
    public bool Filterable { get; init; }

    /// <summary>Usable as <c>sort=field</c> / <c>sort=-field</c> in list queries.</summary>
    public bool Sortable { get; init; }

    /// <summary>Minimum length of a string, in Unicode code points (as PostgreSQL's char_length counts).</summary>
    public int? MinLength { get; init; }

    /// <summary>Maximum length of a string, in Unicode code points.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Smallest allowed number (inclusive unless <see cref="ExclusiveMinimum"/>).</summary>
    public decimal? Minimum { get; init; }

    public bool ExclusiveMinimum { get; init; }

    /// <summary>Largest allowed number (inclusive).</summary>
    public decimal? Maximum { get; init; }

    /// <summary>Most digits allowed after the decimal point (decimal fields).</summary>
    public int? Scale { get; init; }

    /// <summary>The allowed values of an enum field, in the order they are documented.</summary>
    public IReadOnlyList<string> EnumValues { get; init; } = [];

    /// <summary>A regular expression a string must match entirely, described by <see cref="PatternDescription"/>.</summary>
    public string? Pattern
    {
        get => _pattern;
        init
        {
            _pattern = value;
            _regex = value is null ? null : new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>What <see cref="Pattern"/> means, for error messages and documentation.</summary>
    public string? PatternDescription { get; init; }

    /// <summary>For uuid fields that reference another resource: that resource's name (for example <c>accounts</c>).</summary>
    public string? References { get; init; }

    /// <summary>The foreign key constraint behind <see cref="References"/>; by convention <c>{table}_{column without _id}_fkey</c>.</summary>
    public string? ForeignKeyConstraint { get; internal set; }

    /// <summary>A short description for API documentation.</summary>
    public string? Description { get; init; }

    /// <summary>True for fields a request body may set.</summary>
    public bool Writable => !ReadOnly;

    internal JsonEncodedText EncodedName { get; }

    internal Regex? PatternRegex => _regex;

    internal string QuotedColumn => '"' + Column + '"';

    internal NpgsqlDbType DbType => Type switch
    {
        CrmFieldType.String or CrmFieldType.Enum => NpgsqlDbType.Text,
        CrmFieldType.Uuid => NpgsqlDbType.Uuid,
        CrmFieldType.Integer => NpgsqlDbType.Bigint,
        CrmFieldType.Decimal => NpgsqlDbType.Numeric,
        CrmFieldType.Boolean => NpgsqlDbType.Boolean,
        CrmFieldType.Date => NpgsqlDbType.Date,
        CrmFieldType.Timestamp => NpgsqlDbType.TimestampTz,
        _ => throw new InvalidOperationException($"Unknown field type {Type}."),
    };

    public override string ToString() => $"{Name} ({Type})";

    [GeneratedRegex("^[a-z][A-Za-z0-9]{0,62}$")]
    private static partial Regex JsonName();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    internal static partial Regex SqlIdentifier();
}
