using Npgsql;
using OrleansTenants.Abstractions.Crm;

namespace OrleansTenants.Crm;

/// <summary>
/// Maps the constraint violations a CRM statement can hit to client errors, by constraint name through the
/// registry. The exceptions carry no SQL, no server detail (which would quote values) and no client values.
/// </summary>
internal static class CrmDatabaseErrors
{
    /// <summary>The client error for a constraint violation, or null for anything else (let it propagate).</summary>
    public static Exception? Map(ResourceDefinition resource, PostgresException exception)
    {
        var field = resource.FieldForConstraint(exception.ConstraintName);
        switch (exception.SqlState)
        {
            case PostgresErrorCodes.UniqueViolation:
                var unique = resource.UniqueKeys.FirstOrDefault(u => u.ConstraintName == exception.ConstraintName);
                return new CrmConflictException(
                    resource.Name,
                    unique?.Field ?? field ?? CrmFieldError.Body,
                    unique?.Reason ?? $"a {resource.ItemName} with this value already exists in this tenant");

            case PostgresErrorCodes.ForeignKeyViolation:
                if (field is not null && resource.TryGetField(field, out var reference) && reference.References is not null
                    && CrmResources.TryGet(reference.References, out var target))
                {
                    return Invalid(resource, field, $"no {target.ItemName} with this id in this tenant");
                }

                return Invalid(resource, field ?? CrmFieldError.Body, "refers to a row that does not exist in this tenant");

            case PostgresErrorCodes.CheckViolation:
                var rule = resource.Rules.FirstOrDefault(r => r.ConstraintName == exception.ConstraintName);
                return Invalid(resource, field ?? CrmFieldError.Body, rule is not null ? $"violates the rule: {rule.Description}" : "is out of the allowed range");

            case PostgresErrorCodes.NotNullViolation:
                return Invalid(resource, resource.Fields.FirstOrDefault(f => f.Column == exception.ColumnName)?.Name ?? CrmFieldError.Body, "cannot be null");

            case PostgresErrorCodes.StringDataRightTruncation:
            case PostgresErrorCodes.NumericValueOutOfRange:
            case PostgresErrorCodes.DatetimeFieldOverflow:
                return Invalid(resource, CrmFieldError.Body, "a value is out of the range the database can store");

            default:
                return null;
        }
    }

    private static CrmValidationException Invalid(ResourceDefinition resource, string field, string reason) =>
        new(resource.Name, [new CrmFieldError(field, reason)]);
}
