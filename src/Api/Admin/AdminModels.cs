using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog.Schema;

namespace OrleansTenants.Api.Admin;

public sealed record MetricsView(RuntimeMetrics Runtime, int SharedDataSources, long TenantsRegistered);

/// <summary>The admin answers that are this API's own or the catalog's, beside the contract's <see cref="AdminJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MetricsView))]
[JsonSerializable(typeof(SchemaStatusReport))]
internal sealed partial class ApiAdminJsonContext : JsonSerializerContext;

/// <summary>How the admin API reads request bodies: the contract's types, with a member the contract lacks refused.</summary>
internal static class AdminRequestJson
{
    public static AdminJsonContext Strict { get; } =
        new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow });
}
