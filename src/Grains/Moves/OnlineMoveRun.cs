using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Catalog.Moves;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Postgres;

namespace OrleansTenants.Grains.Moves;

/// <summary>
/// Carries an online move through its phases: preparing (publication, slot, subscription), copying (the initial copy),
/// catching up (the target follows the source), cutting over (in the tenant's grain: writes paused, verified,
/// switched), cleaning up (replication dropped, then the source's rows). The phase lives in the catalog, so a run that
/// resumes on another silo goes on from where the last one stopped; every step may be repeated.
/// </summary>
public sealed partial class OnlineMoveRun(
    TenantMoveCatalog moves,
    TenantCatalog tenants,
    MoveReplicationFactory replications,
    IGrainFactory grains,
    IOptions<TenantDataOptions> options,
    TimeProvider time,
    ILogger<OnlineMoveRun> logger)
{
    // Close enough to cut over: the rest is applied within the cut-over's short wait (else it is tried again). Under
    // steady writes the lag does not reach zero: the target confirms what it flushed, a little after it applied it.
    private const long CatchUpLagBytes = 8 * 1024 * 1024;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs the move to its end; returns it as the catalog then has it, with nothing of its replication left.</summary>
    public async Task<TenantMove?> RunAsync(string tenantId, Guid moveId, CancellationToken cancellationToken)
    {
        var move = await moves.GetAsync(tenantId, moveId, cancellationToken);
        if (move is null)
        {
            return null;
        }

        var dataTenantId = (await tenants.GetAsync(tenantId, cancellationToken))?.DataTenantId ?? tenantId;
        await using var replication = await replications.CreateAsync(move, dataTenantId, cancellationToken);
        if (move.Status == TenantMoveStatuses.Pending)
        {
            await moves.ClaimOnlineAsync(tenantId, moveId, cancellationToken);
        }

        var copy = new CopyProgressWatch(options.Value.CopyStallTimeout, time);
        while (true)
        {
            move = (await moves.GetAsync(tenantId, moveId, cancellationToken))!;
            switch (move.Status)
            {
                case TenantMoveStatuses.Completed:
                    return move.Phase is null ? move : await CleanUpCompletedAsync(move, replication, cancellationToken);
                case TenantMoveStatuses.Failed or TenantMoveStatuses.Cancelled:
                    return move.Phase is null ? move : await CleanUpAbandonedAsync(move, replication, cancellationToken);
                case TenantMoveStatuses.Running when await moves.IsCancelRequestedAsync(moveId, cancellationToken) && move.Phase != TenantMovePhases.CuttingOver:
                    await DiscardAsync(replication, cancellationToken);
                    LogCancelled(tenantId, moveId);
                    return await moves.CancelAsync(move, cancellationToken);
                case TenantMoveStatuses.Running:
                    try
                    {
                        await StepAsync(move, replication, copy, cancellationToken);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException && move.Phase != TenantMovePhases.CuttingOver)
                    {
                        var reason = $"{move.Phase}: {DatabaseErrors.Describe(ex)}";
                        LogFailed(tenantId, moveId, reason);
                        await moves.FailAsync(move, reason + "; the tenant stayed where it was", CancellationToken.None);
                    }

                    break;
                default:
                    throw new InvalidOperationException($"Move {moveId} is {move.Status}.");
            }
        }
    }

    /// <summary>One step of a running move; the loop reads the move again after it.</summary>
    private async Task StepAsync(TenantMove move, TenantReplication replication, CopyProgressWatch copy, CancellationToken cancellationToken)
    {
        switch (move.Phase)
        {
            case TenantMovePhases.Preparing:
                await replication.StartAsync(cancellationToken);
                await moves.RecordProgressAsync(move.Id, TenantMovePhases.Copying, null, null, null, cancellationToken);
                break;
            case TenantMovePhases.Copying:
                var copying = await replication.ProgressAsync(countRows: true, cancellationToken);
                if (copy.Stalled(copying))
                {
                    throw new InvalidOperationException(
                        $"the initial copy made no progress for {copy.Limit} ({copying.TablesCopied} of {copying.Tables} tables copied): "
                        + "the target may lack free logical replication workers (max_logical_replication_workers), or its log says why");
                }

                var next = copying.Copied ? TenantMovePhases.CatchingUp : TenantMovePhases.Copying;
                await moves.RecordProgressAsync(move.Id, next, copying.LagBytes, copying.LagSeconds, copying.Rows, cancellationToken);
                await PauseUnlessAsync(copying.Copied, cancellationToken);
                break;
            case TenantMovePhases.CatchingUp:
                var following = await replication.ProgressAsync(countRows: false, cancellationToken);
                await moves.RecordProgressAsync(move.Id, TenantMovePhases.CatchingUp, following.LagBytes, following.LagSeconds, null, cancellationToken);
                var caughtUp = following.LagBytes is <= CatchUpLagBytes;
                if (caughtUp)
                {
                    await moves.BeginCutOverAsync(move.Id, cancellationToken);
                }

                await PauseUnlessAsync(caughtUp, cancellationToken);
                break;
            case TenantMovePhases.CuttingOver:
                var ended = await grains.GetGrain<ITenantGrain>(move.TenantId).CutOverAsync(move.Id, cancellationToken);
                if (ended is { Status: TenantMoveStatuses.Running })
                {
                    // The target had not caught up within the pause: follow it a while longer, then try again.
                    await moves.RecordProgressAsync(move.Id, TenantMovePhases.CatchingUp, null, null, null, cancellationToken);
                    await Task.Delay(Poll, time, cancellationToken);
                }

                break;
            default:
                throw new InvalidOperationException($"Move {move.Id} is running in no known phase ({move.Phase}).");
        }
    }

    private async Task<TenantMove> CleanUpCompletedAsync(TenantMove move, TenantReplication replication, CancellationToken cancellationToken)
    {
        // The subscription goes first: deleting the source's rows while it follows would delete them on the target too.
        await replication.DropAsync(cancellationToken);
        await replication.DeleteFromSourceAsync(cancellationToken);
        LogCleanedUp(move.TenantId, move.Id);
        return await moves.FinishCleanupAsync(move, cancellationToken);
    }

    private async Task<TenantMove> CleanUpAbandonedAsync(TenantMove move, TenantReplication replication, CancellationToken cancellationToken)
    {
        await DiscardAsync(replication, cancellationToken);
        return await moves.FinishCleanupAsync(move, cancellationToken);
    }

    /// <summary>Drops the replication and what it copied to the target; the tenant lives on the source throughout.</summary>
    private static async Task DiscardAsync(TenantReplication replication, CancellationToken cancellationToken)
    {
        await replication.DropAsync(cancellationToken);
        await replication.DeleteFromTargetAsync(cancellationToken);
    }

    private Task PauseUnlessAsync(bool done, CancellationToken cancellationToken) => done ? Task.CompletedTask : Task.Delay(Poll, time, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: online move {MoveId} failed ({Reason}); its replication is dropped and the tenant stays where it was")]
    private partial void LogFailed(string tenantId, Guid moveId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: online move {MoveId} cancelled; its replication and copied rows are gone")]
    private partial void LogCancelled(string tenantId, Guid moveId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: online move {MoveId} cleaned up (replication dropped, the old database's rows deleted)")]
    private partial void LogCleanedUp(string tenantId, Guid moveId);
}
