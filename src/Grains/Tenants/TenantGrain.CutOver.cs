using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Grains.DataCopy;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// The cut-over of an online move. Only writes pause, behind <see cref="_writes"/>: reads go on from the source until
/// the catalog is switched, then wait the moment it takes to swap the pool under <see cref="_lifecycle"/>.
/// </summary>
public sealed partial class TenantGrain
{
    private static readonly TimeSpan CutOverPoll = TimeSpan.FromMilliseconds(5);

    // The most connections opened on the target's pool before the pause.
    private const int WarmConnections = 16;

    public async Task<TenantMove?> CutOverAsync(Guid moveId, CancellationToken cancellationToken)
    {
        var move = await moves.GetAsync(TenantId, moveId, cancellationToken);
        if (move is not { Status: TenantMoveStatuses.Running, Mode: TenantMoveModes.Online } || _configuration is null)
        {
            return move;
        }

        var dataTenantId = _configuration.Tenant.DataTenantId;
        await using var replication = await replications.CreateAsync(move, dataTenantId, cancellationToken);
        var target = await PrepareTargetPoolAsync(move, cancellationToken);
        try
        {
            return await PauseWritesAndSwitchAsync(move, replication, target, cancellationToken);
        }
        finally
        {
            // Unless the activation took it for its new placement.
            if (!ReferenceEquals(_lease, target))
            {
                await target.DisposeAsync();
            }
        }
    }

    /// <summary>With the writes paused: waits for the target, verifies, switches the catalog and the activation's pool.</summary>
    private async Task<TenantMove> PauseWritesAndSwitchAsync(TenantMove move, TenantReplication replication, DataSourceLease target, CancellationToken cancellationToken)
    {
        var moveId = move.Id;
        var paused = Stopwatch.GetTimestamp();
        TimeSpan inFlightDone, caughtUp, verified, pause;
        TenantMove completed;
        DataSourceLease oldLease;
        using (await _writes.WriterLockAsync(cancellationToken))
        {
            inFlightDone = Stopwatch.GetElapsedTime(paused);
            // Every write that reached the source is before this position; the target confirming it has them all.
            var position = await replication.CurrentPositionAsync(cancellationToken);
            if (!await WaitUntilAppliedAsync(replication, position, cancellationToken))
            {
                LogCutOverDeferred(TenantId, moveId, (long)Stopwatch.GetElapsedTime(paused).TotalMilliseconds);
                return move;
            }

            caughtUp = Stopwatch.GetElapsedTime(paused);
            var verification = await replication.VerifyAsync(cancellationToken);
            verified = Stopwatch.GetElapsedTime(paused);
            if (verification.Any(table => !table.Matches))
            {
                var mismatch = new TenantMoveVerificationException(verification);
                LogMoveFailed(TenantId, mismatch.Message);
                return await moves.FailAsync(move, mismatch.Message, CancellationToken.None, verification);
            }

            completed = await moves.CompleteAsync(
                move, verification.Sum(table => table.TargetRows), verification, Stopwatch.GetElapsedTime(paused), CancellationToken.None);
            // In-flight reads finish on the source; new calls wait the moment of the swap.
            using (await _lifecycle.WriterLockAsync(CancellationToken.None))
            {
                oldLease = await SwapLeaseAsync(target);
            }

            pause = Stopwatch.GetElapsedTime(paused);
        }

        // The writes go on from here. Closing the old pool's connections and recording the pause need not hold them.
        await oldLease.DisposeAsync();
        completed = await moves.RecordWritePauseAsync(completed, pause, CancellationToken.None);
        LogCutOver(TenantId, moveId, (long)pause.TotalMilliseconds, (long)inFlightDone.TotalMilliseconds, (long)(caughtUp - inFlightDone).TotalMilliseconds,
            (long)(verified - caughtUp).TotalMilliseconds, (long)(pause - verified).TotalMilliseconds);
        LogMoveCompleted(TenantId, move.ToDatabase, completed.RowsCopied);
        return completed;
    }

    /// <summary>
    /// The pool the tenant will use on the target, made before the writes pause with connections open in it, and
    /// handed to the activation at the swap: the writes that queued during the pause resume on open connections instead
    /// of all opening new ones at once (each a password exchange that costs both sides CPU).
    /// </summary>
    private async Task<DataSourceLease> PrepareTargetPoolAsync(TenantMove move, CancellationToken cancellationToken)
    {
        var tenant = _configuration!.Tenant;
        var lease = NewLease(tenant, move.ToDatabase, await databases.GetConnectionAsync(move.ToDatabase, cancellationToken), move.ToMode == PlacementModes.Dedicated);
        var opened = new List<Task<NpgsqlConnection>>();
        try
        {
            // As many as the tenant's calls have needed at once (an idle tenant needs one), within the pool and a cap.
            var wanted = Math.Clamp(_guard?.PeakConcurrency ?? 1, 1, Math.Min(WarmConnections, tenant.MaxPoolSize));
            for (var i = 0; i < wanted; i++)
            {
                opened.Add(lease.DataSource.Primary.OpenConnectionAsync(cancellationToken).AsTask());
            }

            await Task.WhenAll(opened);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
        finally
        {
            // Back to the pool, open and idle.
            foreach (var connection in opened.Where(c => c.IsCompletedSuccessfully))
            {
                await connection.Result.DisposeAsync();
            }
        }

        return lease;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: move {MoveId} cut over, writes paused {PauseMs} ms: "
        + "{InFlightMs} ms for the writes in flight, {CatchUpMs} ms for the target to confirm the source's position, {VerifyMs} ms to verify, {SwitchMs} ms to switch")]
    private partial void LogCutOver(string tenantId, Guid moveId, long pauseMs, long inFlightMs, long catchUpMs, long verifyMs, long switchMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: move {MoveId} deferred its cut-over, the target had not caught up after {PausedMilliseconds} ms")]
    private partial void LogCutOverDeferred(string tenantId, Guid moveId, long pausedMilliseconds);
}
