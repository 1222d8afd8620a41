using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Moves.Online;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// The cut-over of an online move. Only writes pause, behind <see cref="_writes"/>: reads go on from the source until
/// the catalog is switched, then wait the moment it takes to swap the pool under <see cref="_lifecycle"/>.
/// </summary>
public sealed partial class TenantGrain
{
    private static readonly TimeSpan CutOverPoll = TimeSpan.FromMilliseconds(5);

    public async Task<TenantMove?> CutOverAsync(Guid moveId, CancellationToken cancellationToken)
    {
        var move = await moves.GetAsync(TenantId, moveId, cancellationToken);
        if (move is not { Status: "running", Mode: TenantMoveModes.Online } || _configuration is null)
        {
            return move;
        }

        var dataTenantId = _configuration.Tenant.DataTenantId;
        await using var replication = await replications.CreateAsync(move, dataTenantId, cancellationToken);
        var paused = Stopwatch.GetTimestamp();
        using (await _writes.WriterLockAsync(cancellationToken))
        {
            // Every write that reached the source is before this position; the target confirming it has them all.
            var position = await replication.CurrentPositionAsync(cancellationToken);
            if (!await WaitUntilAppliedAsync(replication, position, cancellationToken))
            {
                LogCutOverDeferred(TenantId, moveId, (long)Stopwatch.GetElapsedTime(paused).TotalMilliseconds);
                return move;
            }

            var verification = await replication.VerifyAsync(cancellationToken);
            if (verification.Any(table => !table.Matches))
            {
                var mismatch = new TenantMoveVerificationException(verification);
                LogMoveFailed(TenantId, mismatch.Message);
                return await moves.FailAsync(move, mismatch.Message, CancellationToken.None, verification);
            }

            var completed = await moves.CompleteAsync(
                move, verification.Sum(table => table.TargetRows), verification, Stopwatch.GetElapsedTime(paused), CancellationToken.None);
            // In-flight reads finish on the source; the old pool is released at once, the job deletes the source's rows.
            using (await _lifecycle.WriterLockAsync(CancellationToken.None))
            {
                await (await SwapLeaseAsync()).DisposeAsync();
            }

            // The writes resume once this turn ends: the pause recorded is the whole of it, the swap included.
            completed = await moves.RecordWritePauseAsync(completed, Stopwatch.GetElapsedTime(paused), CancellationToken.None);
            LogMoveCompleted(TenantId, move.ToDatabase, completed.RowsCopied);
            return completed;
        }
    }

    /// <summary>Polls the source's slot until the target confirmed <paramref name="position"/>, for at most the cut-over's budget.</summary>
    private async Task<bool> WaitUntilAppliedAsync(TenantReplication replication, string position, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        while (!await replication.AppliedThroughAsync(position, cancellationToken))
        {
            if (waiting.Elapsed > _options.CutOverWait)
            {
                return false;
            }

            await Task.Delay(CutOverPoll, cancellationToken);
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: move {MoveId} deferred its cut-over, the target had not caught up after {PausedMilliseconds} ms")]
    private partial void LogCutOverDeferred(string tenantId, Guid moveId, long pausedMilliseconds);
}
