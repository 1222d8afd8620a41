using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog.Schema;

namespace OrleansTenants.Cli.AdminApi;

// The admin API's requests and answers are the Abstractions records the API binds and writes (AdminRequests.cs, AdminViews.cs),
// in the contract's JSON context: the CLI speaks exactly the shapes the server does, and reads them tolerantly.

/// <summary>An RFC 9457 problem as the API writes it: title, detail and, for 400s, field errors.</summary>
internal sealed record ProblemInfo(string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);

/// <summary>What the CLI reads beside the admin contract (<see cref="AdminJsonContext"/>): problems, the schema report, raw JSON.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProblemInfo))]
[JsonSerializable(typeof(SchemaStatusReport))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
