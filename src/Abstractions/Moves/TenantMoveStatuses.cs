namespace OrleansTenants.Abstractions.Moves;

/// <summary>A move's status, as stored in <c>catalog.tenant_moves.status</c> (its CHECK constraint lists them).</summary>
public static class TenantMoveStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Pending or running: the tenant may have no other move.</summary>
    public static bool IsOpen(string status) => status is Pending or Running;

    /// <summary>Completed, failed or cancelled: its outcome is recorded (an online move may still be cleaning up).</summary>
    public static bool IsFinished(string status) => status is Completed or Failed or Cancelled;
}
