using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;

namespace OrleansTenants.Cli.MoveAll;

/// <summary>
/// A <c>tenants move-all</c> run as saved after every step, so running the same command again after Ctrl-C or a crash
/// goes on where it stopped: the tenants were chosen once, at the first run (a tenant moved already no longer matches a
/// selector like <c>--from-mode single</c>, yet belongs to the run), and each tenant's move is known by id.
/// </summary>
internal sealed class MoveAllState
{
    private readonly Lock _gate = new();

    public required string Key { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required MoveAllSelector Selector { get; init; }

    public required TenantPlacementRequest Target { get; init; }

    public string? Copy { get; init; }

    public required List<MoveAllEntry> Tenants { get; init; }

    /// <summary>The file of a run: named after what it moves where, so the same command finds it again.</summary>
    public static string KeyOf(MoveAllSelector selector, TenantPlacementRequest target, string? copy)
    {
        var text = JsonSerializer.Serialize(new MoveAllIdentity(selector, target, copy), MoveAllJsonContext.Default.MoveAllIdentity);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    public static MoveAllState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), MoveAllJsonContext.Default.MoveAllState);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a move-all state file this CLI can read ({ex.Message}); move it away to start afresh.", ex);
        }
    }

    /// <summary>
    /// Writes the state whole to a temporary file and renames it over the old one: a crash leaves one or the other.
    /// Under the state's lock, so moves finishing at once write one after the other.
    /// </summary>
    public void Save(string path)
    {
        lock (_gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(this, MoveAllJsonContext.Default.MoveAllState));
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>Changes an entry under the state's lock, so a save never sees it half changed.</summary>
    public void Update(MoveAllEntry entry, Action<MoveAllEntry> change)
    {
        lock (_gate)
        {
            change(entry);
        }
    }
}

/// <summary>One tenant of a run: where it was, what became of it, and its move once started.</summary>
internal sealed class MoveAllEntry
{
    public required string Id { get; init; }

    public required string FromDatabase { get; init; }

    public string Status { get; set; } = MoveAllStatuses.Planned;

    /// <summary>How many moves the tenant had before this run asked for one: a later one is this run's, even if its id was never saved.</summary>
    public int? MovesBefore { get; set; }

    public Guid? MoveId { get; set; }

    public string? ToDatabase { get; set; }

    public string? Error { get; set; }
}

/// <summary>What became of a tenant in a run.</summary>
internal static class MoveAllStatuses
{
    public const string Planned = "planned";
    public const string Moving = "moving";
    public const string Moved = "moved";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
}

/// <summary>What names a run: the same selector, target and copy mode find the same state file.</summary>
internal sealed record MoveAllIdentity(MoveAllSelector Selector, TenantPlacementRequest Target, string? Copy);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MoveAllState))]
[JsonSerializable(typeof(MoveAllIdentity))]
[JsonSerializable(typeof(MoveAllReport))]
[JsonSerializable(typeof(List<TenantMovePlan>))]
internal sealed partial class MoveAllJsonContext : JsonSerializerContext;
