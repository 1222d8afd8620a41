using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Moves;

namespace OrleansTenants.Catalog.Moves;

/// <summary>How the catalog stores a move's verification and copy progress (<c>verification</c>, <c>rows_by_table</c>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<TableVerification>))]
[JsonSerializable(typeof(IReadOnlyList<TableRows>))]
internal sealed partial class TableVerificationJsonContext : JsonSerializerContext;
