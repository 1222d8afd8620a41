using System.Data;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.Postgres;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Moving the tenant to another database under the exclusive lifecycle gate: no CRM call of the tenant runs meanwhile
/// (they wait, then are served from the new database), so the copy is complete and nothing written is left behind.
/// </summary>
public sealed partial class TenantGrain
{
    // A move is not bounded by its caller: it finishes (or fails) whoever waits for it.
    private static readonly TimeSpan MaxMoveDuration = TimeSpan.FromMinutes(30);

    public async Task<TenantMove?> MoveAsync(Guid moveId, CancellationToken cancellationToken)
    {
        // Exclusive: the CRM calls running now finish first, and those arriving wait until the cut-over is done.
        using var exclusive = await _lifecycle.WriterLockAsync(cancellationToken);
        var paused = time.GetTimestamp();
        if (_configuration is null || _lease is null)
        {
            return null;
        }

        using var deadline = new CancellationTokenSource(MaxMoveDuration);
        var token = deadline.Token;
        var tenantId = _configuration.Tenant.Id;
        if (await moves.ClaimAsync(tenantId, moveId, token) is not { } move)
        {
            var existing = await moves.GetAsync(tenantId, moveId, token);
            // Claimed but not finished, while no move of this tenant runs (this turn is exclusive): its run was cut
            // short (a cut-over whose catalog transaction failed), and nothing was switched.
            return existing?.Status == TenantMoveStatuses.Running
                ? await moves.FailAsync(existing, "interrupted before the cut-over; the tenant stayed where it was", CancellationToken.None)
                : existing;
        }

        LogMoveStarted(tenantId, move.FromDatabase, move.ToDatabase);
        long copied;
        IReadOnlyList<TableVerification> verification;
        try
        {
            (copied, verification) = await CopyToTargetAsync(move, token);
        }
        catch (TenantMoveVerificationException mismatch)
        {
            LogMoveFailed(tenantId, mismatch.Message);
            return await moves.FailAsync(move, mismatch.Message, CancellationToken.None, mismatch.Verification);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            var reason = ex is OperationCanceledException ? $"did not finish within {MaxMoveDuration.TotalMinutes:0} minutes" : DatabaseErrors.Describe(ex);
            LogMoveFailed(tenantId, reason);
            return await moves.FailAsync(move, reason, CancellationToken.None);
        }

        var completed = await moves.CompleteAsync(move, copied, verification, time.GetElapsedTime(paused), CancellationToken.None);
        await using (var oldSource = await SwapLeaseAsync())
        {
            await DeleteFromSourceAsync(oldSource.DataSource.Primary, move);
        }

        LogMoveCompleted(tenantId, move.ToDatabase, copied);
        return completed;
    }

    /// <summary>
    /// After a move's catalog switch, under the exclusive gate: the activation is the cache, so it takes the new placement
    /// before its next call runs, and hands back the old pool. If it cannot (the catalog went away meanwhile), the next
    /// call gets a fresh activation that reads it.
    /// </summary>
    /// <param name="prepared">The target's pool, made ahead: taken if it fits the configuration read (the caller keeps it otherwise).</param>
    private async Task<DataSourceLease> SwapLeaseAsync(DataSourceLease? prepared = null)
    {
        var old = _lease!;
        _lease = null;
        _guard?.Dispose();
        _guard = null;
        try
        {
            await LoadAsync(CancellationToken.None, prepared);
        }
        catch
        {
            DeactivateOnIdle();
            await old.DisposeAsync();
            throw;
        }

        return old;
    }

    /// <summary>Copies, then compares both sides table by table before the copy commits: a mismatch leaves nothing on the target.</summary>
    private async Task<(long Copied, IReadOnlyList<TableVerification> Verification)> CopyToTargetAsync(TenantMove move, CancellationToken cancellationToken)
    {
        var dataTenantId = _configuration!.Tenant.DataTenantId;
        var target = await databases.GetConnectionAsync(move.ToDatabase, cancellationToken);
        await using var targetDataSource = NpgsqlDataSource.Create(target.ConnectionString);
        await using var source = await _lease!.DataSource.Primary.OpenConnectionAsync(cancellationToken);
        // One snapshot of every table, so rows and the rows they reference agree.
        await using var sourceTransaction = await source.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await TenantSession.BeginAsync(source, dataTenantId, MaxMoveDuration, cancellationToken);
        await using var destination = await targetDataSource.OpenConnectionAsync(cancellationToken);
        await using var destinationTransaction = await destination.BeginTransactionAsync(cancellationToken);
        await TenantSession.BeginAsync(destination, dataTenantId, MaxMoveDuration, cancellationToken);
        var copied = await TenantDataCopier.CopyAsync(source, destination, dataTenantId, cancellationToken);
        var verification = await TenantDataVerifier.CompareAsync(source, destination, dataTenantId, cancellationToken);
        if (verification.Any(table => !table.Matches))
        {
            throw new TenantMoveVerificationException(verification);
        }

        await destinationTransaction.CommitAsync(cancellationToken);
        return (copied, verification);
    }

    /// <summary>
    /// The rows left in the old database after the cut-over. Failing here loses nothing (the tenant lives in the
    /// new database now, and a later move into the old one clears them first), so it is logged, not thrown.
    /// </summary>
    private async Task DeleteFromSourceAsync(NpgsqlDataSource oldPrimary, TenantMove move)
    {
        try
        {
            await using var connection = await oldPrimary.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await TenantSession.BeginAsync(connection, _configuration!.Tenant.DataTenantId, MaxMoveDuration, CancellationToken.None);
            await TenantDataCopier.DeleteAsync(connection, _configuration.Tenant.DataTenantId, CancellationToken.None);
            await transaction.CommitAsync();
        }
        catch (NpgsqlException ex)
        {
            LogSourceCleanupFailed(move.TenantId, move.FromDatabase, DatabaseErrors.Describe(ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: moving from database {From} to {To}")]
    private partial void LogMoveStarted(string tenantId, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: moved to database {To}, {Rows} rows")]
    private partial void LogMoveCompleted(string tenantId, string to, long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: the move failed and the tenant stays where it was ({Reason})")]
    private partial void LogMoveFailed(string tenantId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: moved, but its rows in {From} could not be deleted ({Reason})")]
    private partial void LogSourceCleanupFailed(string tenantId, string from, string reason);
}
