using OrleansTenants.Abstractions.Crm;
namespace OrleansTenants.Crm;

/// <summary>
/// A rule over several fields of one row (for example: an event's endsAt is not before its startsAt). It is
/// checked before any SQL on create against the body, and on patch against the stored row merged with the patch.
/// </summary>
public abstract class CrossFieldRule
{
    /// <summary>The JSON names of the fields the rule reads.</summary>
    public abstract IReadOnlyList<string> Fields { get; }

    /// <summary>The rule in words, for API documentation.</summary>
    public abstract string Description { get; }

    /// <summary>The CHECK constraint that enforces the same rule in the database, if any.</summary>
    public string? ConstraintName { get; init; }

    /// <summary>The field a violation is reported on.</summary>
    public abstract string ReportedField { get; }

    /// <summary>Checks the row's values (by JSON name; absent or null fields map to null) and returns the violation, if any.</summary>
    public abstract CrmFieldError? Check(IReadOnlyDictionary<string, object?> values);
}

/// <summary><c>later</c> must not be before <c>notBefore</c> when both are set (timestamps, dates or numbers).</summary>
public sealed class NotBeforeRule(string later, string notBefore) : CrossFieldRule
{
    public override IReadOnlyList<string> Fields { get; } = [later, notBefore];

    public override string Description => $"{later} must not be before {notBefore}";

    public override string ReportedField => later;

    public override CrmFieldError? Check(IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.GetValueOrDefault(later) is IComparable laterValue && values.GetValueOrDefault(notBefore) is { } earlierValue
            && laterValue.CompareTo(earlierValue) < 0)
        {
            return new CrmFieldError(later, $"must not be before {notBefore}");
        }

        return null;
    }
}
