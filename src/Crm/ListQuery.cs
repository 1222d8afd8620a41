using System.Globalization;
using OrleansTenants.Abstractions.Crm;

namespace OrleansTenants.Crm;

/// <summary>An equality filter of a list query: <c>?field=value</c>, the value parsed by the field's type.</summary>
public sealed record ListFilter(FieldDefinition Field, object Value);

/// <summary>
/// A validated list query: <c>limit</c> (1-500, default 50), <c>sort</c> (<c>field</c> or <c>-field</c>, sortable
/// fields only, default the resource's), <c>cursor</c> (a previous page's nextCursor, for the same sort),
/// <c>count</c> (<c>true</c>: the page tells how many rows match) and equality filters on filterable fields. Any other
/// parameter is refused.
/// </summary>
public sealed class ListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    public const string LimitParameter = "limit";
    public const string SortParameter = "sort";
    public const string CursorParameter = "cursor";
    public const string CountParameter = "count";

    /// <summary>Up to how many matching rows <c>count=true</c> counts exactly, unless the caller says otherwise.</summary>
    public const int DefaultExactCountCap = 10_000;

    private ListQuery(
        ResourceDefinition resource, int limit, FieldDefinition sortField, bool descending, ListCursor? cursor, IReadOnlyList<ListFilter> filters, bool count)
    {
        Count = count;
        Resource = resource;
        Limit = limit;
        SortField = sortField;
        Descending = descending;
        Cursor = cursor;
        Filters = filters;
    }

    public ResourceDefinition Resource { get; }

    public int Limit { get; }

    public FieldDefinition SortField { get; }

    public bool Descending { get; }

    /// <summary>The sort as a parameter value: <c>field</c> or <c>-field</c>.</summary>
    public string Sort => Descending ? "-" + SortField.Name : SortField.Name;

    public IReadOnlyList<ListFilter> Filters { get; }

    /// <summary>Whether the page carries <c>total</c>: exact up to a cap, past it the planner's estimate.</summary>
    public bool Count { get; }

    /// <summary>True when the query continues from a cursor.</summary>
    public bool HasCursor => Cursor is not null;

    internal ListCursor? Cursor { get; }

    /// <summary>The query for a resource's first page with defaults.</summary>
    public static ListQuery Default(ResourceDefinition resource) => Parse(resource, new Dictionary<string, string?>());

    /// <summary>Validates query-string values (one per name); throws <see cref="CrmValidationException"/> listing every problem.</summary>
    public static ListQuery Parse(ResourceDefinition resource, IReadOnlyDictionary<string, string?> query)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(query);
        var errors = new List<CrmFieldError>();

        var limit = DefaultLimit;
        if (query.TryGetValue(LimitParameter, out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors.Add(new CrmFieldError(LimitParameter, $"must be an integer from 1 to {MaxLimit}"));
            limit = DefaultLimit;
        }

        var sort = query.TryGetValue(SortParameter, out var sortText) ? sortText ?? string.Empty : resource.DefaultSort;
        var descending = sort.StartsWith('-');
        var sortName = descending ? sort[1..] : sort;
        if (!resource.TryGetField(sortName, out var sortField) || !sortField.Sortable)
        {
            errors.Add(new CrmFieldError(SortParameter,
                $"must be one of the sortable fields, optionally prefixed by '-': {string.Join(", ", resource.SortableFields.Select(f => f.Name))}"));
            sortField = null;
        }

        var filters = new List<ListFilter>();
        foreach (var (name, text) in query)
        {
            if (name is LimitParameter or SortParameter or CursorParameter or CountParameter)
            {
                continue;
            }

            if (!resource.TryGetField(name, out var field))
            {
                errors.Add(new CrmFieldError(CrmText.ClientName(name), $"is not a list parameter or a field of {resource.Name}"));
            }
            else if (!field.Filterable)
            {
                errors.Add(new CrmFieldError(field.Name, $"cannot be filtered on; filterable fields: {string.Join(", ", resource.FilterableFields.Select(f => f.Name))}"));
            }
            else if (string.IsNullOrEmpty(text))
            {
                errors.Add(new CrmFieldError(field.Name, "needs a value to filter on"));
            }
            else if (!CrmValues.TryFromText(field, text, out var value, out var reason)
                || (reason = CrmValues.CheckConstraints(field, value!)) is not null)
            {
                errors.Add(new CrmFieldError(field.Name, reason!));
            }
            else
            {
                filters.Add(new ListFilter(field, value!));
            }
        }

        var count = false;
        if (query.TryGetValue(CountParameter, out var countText))
        {
            count = countText == "true";
            if (countText is not ("true" or "false"))
            {
                errors.Add(new CrmFieldError(CountParameter, "must be true or false"));
            }
        }

        ListCursor? cursor = null;
        if (query.TryGetValue(CursorParameter, out var cursorText) && sortField is not null
            && !ListCursor.TryDecode(resource, sort, sortField, cursorText ?? string.Empty, out cursor, out var cursorReason))
        {
            errors.Add(new CrmFieldError(CursorParameter, cursorReason!));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(resource.Name, errors);
        }

        filters.Sort((a, b) => resource.OrdinalOf(a.Field).CompareTo(resource.OrdinalOf(b.Field)));
        return new ListQuery(resource, limit, sortField!, descending, cursor, filters, count);
    }
}
