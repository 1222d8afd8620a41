using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tenants;

/// <summary>
/// Puts the CRM resource registry into the OpenAPI document: one schema per resource (named as its URL segment)
/// with each field's type, limits, enum values and description, and <c>x-filterable</c>/<c>x-sortable</c> marks
/// for list queries. The endpoints take the resource as a path segment, so clients read the fields from here.
/// </summary>
internal sealed class CrmOpenApiSchemas : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var resource in CrmResources.All)
        {
            document.Components.Schemas[resource.Name] = Describe(resource);
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Describe(ResourceDefinition resource) => new()
    {
        Type = JsonSchemaType.Object,
        Description = $"A row of {resource.Name} (one {resource.ItemName}). Sorted by {resource.DefaultSort} unless a sort is given.",
        Properties = resource.Fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)Describe(f), StringComparer.Ordinal),
        Required = resource.RequiredFields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal),
        AdditionalPropertiesAllowed = false,
    };

    private static OpenApiSchema Describe(FieldDefinition field)
    {
        var (type, format) = field.Type switch
        {
            CrmFieldType.Uuid => (JsonSchemaType.String, "uuid"),
            CrmFieldType.Integer => (JsonSchemaType.Integer, "int64"),
            CrmFieldType.Decimal => (JsonSchemaType.Number, "decimal"),
            CrmFieldType.Boolean => (JsonSchemaType.Boolean, null),
            CrmFieldType.Date => (JsonSchemaType.String, "date"),
            CrmFieldType.Timestamp => (JsonSchemaType.String, "date-time"),
            _ => (JsonSchemaType.String, (string?)null),
        };
        var schema = new OpenApiSchema
        {
            Type = field.Nullable ? type | JsonSchemaType.Null : type,
            Format = format,
            Description = field.Description ?? field.PatternDescription,
            ReadOnly = field.ReadOnly,
            MinLength = field.MinLength,
            MaxLength = field.MaxLength,
            Pattern = field.Pattern,
            Minimum = field.ExclusiveMinimum ? null : Number(field.Minimum),
            ExclusiveMinimum = field.ExclusiveMinimum ? Number(field.Minimum) : null,
            Maximum = Number(field.Maximum),
            Extensions = new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal)
            {
                ["x-filterable"] = new JsonNodeExtension(field.Filterable),
                ["x-sortable"] = new JsonNodeExtension(field.Sortable),
            },
        };
        if (field.EnumValues.Count > 0)
        {
            schema.Enum = [.. field.EnumValues.Select(v => (JsonNode)JsonValue.Create(v))];
        }

        if (field.References is not null)
        {
            schema.Extensions["x-references"] = new JsonNodeExtension(field.References);
        }

        return schema;
    }

    private static string? Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);
}
