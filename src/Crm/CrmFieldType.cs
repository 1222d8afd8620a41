namespace OrleansTenants.Crm;

/// <summary>
/// The JSON/SQL type of a CRM field. Values in JSON: string, uuid (string, 8-4-4-4-12 hex), integer and decimal
/// (numbers), boolean, date (string <c>yyyy-MM-dd</c>), timestamp (ISO 8601 string with an offset; written back in
/// UTC with <c>Z</c>), enum (a string out of <see cref="FieldDefinition.EnumValues"/>).
/// </summary>
public enum CrmFieldType
{
    String,
    Uuid,
    Integer,
    Decimal,
    Boolean,
    Date,
    Timestamp,
    Enum,
}
