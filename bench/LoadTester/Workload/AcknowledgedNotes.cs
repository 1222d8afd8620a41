using System.Collections.Concurrent;
using System.Text.Json;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>A note create the server answered with 2xx: the tenant (its index in the plan) and the id of the row it created.</summary>
internal readonly record struct AcknowledgedNote(int Tenant, Guid Id);

/// <summary>
/// Every note create of a run that the server acknowledged, so that after the run each can be looked up again:
/// a write the client was told was saved must still be there. The driver's callers add concurrently.
/// </summary>
internal sealed class AcknowledgedNotes
{
    private readonly ConcurrentQueue<AcknowledgedNote> _notes = new();
    private long _withoutId;

    /// <summary>Acknowledged creates whose body had no readable id: they cannot be looked up, so they count as unverified.</summary>
    public long WithoutId => Interlocked.Read(ref _withoutId);

    public IReadOnlyList<AcknowledgedNote> Snapshot() => [.. _notes];

    /// <summary>Records an acknowledged create from the response body (the created row as JSON).</summary>
    public void Record(int tenant, byte[] body)
    {
        if (CreatedId(body) is { } id)
        {
            _notes.Enqueue(new AcknowledgedNote(tenant, id));
        }
        else
        {
            Interlocked.Increment(ref _withoutId);
        }
    }

    /// <summary>The top-level <c>id</c> of a created row's JSON; null when the body is not an object with a UUID id.</summary>
    internal static Guid? CreatedId(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String
                && id.TryGetGuid(out var guid)
                    ? guid
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
