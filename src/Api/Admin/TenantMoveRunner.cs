using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Runtime;

namespace OrleansTenants.Api.Admin;

/// <summary>
/// Hands an accepted move to the tenant's grain without holding the admin request open: the grain runs it to the
/// end in its own turn, and the catalog is where clients follow it. A caller-side timeout leaves the move running.
/// </summary>
public sealed partial class TenantMoveRunner(IGrainFactory grains, ILogger<TenantMoveRunner> logger)
{
    public void Start(TenantMove move) => _ = RunAsync(move);

    private async Task RunAsync(TenantMove move)
    {
        try
        {
            var ended = await grains.GetGrain<ITenantGrain>(move.TenantId).MoveAsync(move.Id, CancellationToken.None);
            LogEnded(move.TenantId, move.Id, ended?.Status ?? "not found");
        }
        catch (TimeoutException)
        {
            LogStillRunning(move.TenantId, move.Id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nobody awaits this task: whatever ended the call is logged, and the catalog holds the move's state.
            LogNotFinished(move.TenantId, move.Id, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Move {MoveId} of tenant {TenantId} ended: {Status}")]
    private partial void LogEnded(string tenantId, Guid moveId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Move {MoveId} of tenant {TenantId} outlasted the call timeout; it goes on in the tenant's grain")]
    private partial void LogStillRunning(string tenantId, Guid moveId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move {MoveId} of tenant {TenantId} was not carried to its end ({Reason}); the tenant's next activation records how it ended")]
    private partial void LogNotFinished(string tenantId, Guid moveId, string reason);
}
