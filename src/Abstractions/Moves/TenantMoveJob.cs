using System.Text.Json.Serialization;

namespace OrleansTenants.Abstractions.Moves;

/// <summary>A move job's persisted state (as JSON in <c>orleans.orleansstorage</c>); never a connection setting.</summary>
[GenerateSerializer]
[Alias("OrleansTenants.TenantMoveJob")]
public sealed class TenantMoveJob
{
    [Id(0)]
    public string? TenantId { get; set; }

    [Id(1)]
    public TenantMoveJobPhase Phase { get; set; }

    /// <summary>How many times the tenant's grain was asked to run the move.</summary>
    [Id(2)]
    public int Attempts { get; set; }

    [Id(3)]
    public DateTimeOffset? UpdatedAt { get; set; }

    [JsonIgnore]
    public bool IsFinished => Phase is TenantMoveJobPhase.Completed or TenantMoveJobPhase.Failed or TenantMoveJobPhase.Cancelled;
}

[GenerateSerializer]
[Alias("OrleansTenants.TenantMoveJobPhase")]
[JsonConverter(typeof(JsonStringEnumConverter<TenantMoveJobPhase>))]
public enum TenantMoveJobPhase
{
    /// <summary>No job was recorded under this id.</summary>
    None,

    /// <summary>Accepted; the tenant's grain runs it, or will when the job is next woken.</summary>
    Running,

    Completed,
    Failed,
    Cancelled,
}
