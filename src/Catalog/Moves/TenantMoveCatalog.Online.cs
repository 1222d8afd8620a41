using System.Text.Json;
using Npgsql;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Catalog.Moves;

/// <summary>What an online move's job records as it goes: its phase and lag, a cancellation, the end of its cleanup.</summary>
public sealed partial class TenantMoveCatalog
{
    /// <summary>Takes a pending online move for its job; the tenant stays active and serving. Nothing happens unless it is pending.</summary>
    public async Task ClaimOnlineAsync(string tenantId, Guid moveId, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(db,
            $"UPDATE catalog.tenant_moves SET status = '{TenantMoveStatuses.Running}', phase = '{TenantMovePhases.Preparing}', started_at = now() WHERE tenant_id = $1 AND id = $2 AND status = '{TenantMoveStatuses.Pending}' AND mode = '{TenantMoveModes.Online}'",
            cancellationToken, tenantId, moveId);
    }

    /// <summary>
    /// Records a running online move's phase and, when measured, its progress (lag; rows per table, whose sum becomes
    /// its rows copied).
    /// </summary>
    public async Task RecordProgressAsync(
        Guid moveId, string phase, long? lagBytes, double? lagSeconds, IReadOnlyList<TableRows>? rows, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(db,
            $"""
            UPDATE catalog.tenant_moves SET phase = $2, lag_bytes = $3, lag_seconds = $4,
                rows_by_table = coalesce($5, rows_by_table), rows_copied = coalesce($6, rows_copied)
            WHERE id = $1 AND status = '{TenantMoveStatuses.Running}'
            """,
            cancellationToken,
            moveId,
            phase,
            (object?)lagBytes ?? DBNull.Value,
            (object?)lagSeconds ?? DBNull.Value,
            Jsonb(rows is null ? null : JsonSerializer.Serialize(rows, TableVerificationJsonContext.Default.IReadOnlyListTableRows)),
            (object?)rows?.Sum(table => table.Rows) ?? DBNull.Value);
    }

    /// <summary>
    /// Asks a running online move to stop before its cut-over; its job cleans up and records it cancelled. False when the
    /// move is past the point where it can be cancelled (cutting over, finished, or offline).
    /// </summary>
    public async Task<bool> RequestCancelAsync(string tenantId, Guid moveId, string actor, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        var asked = await ExecuteAsync(db,
            $"""
            UPDATE catalog.tenant_moves SET cancel_requested = true
            WHERE tenant_id = $1 AND id = $2 AND mode = '{TenantMoveModes.Online}' AND (status = '{TenantMoveStatuses.Pending}' OR (status = '{TenantMoveStatuses.Running}' AND phase IN ('{TenantMovePhases.Preparing}', '{TenantMovePhases.Copying}', '{TenantMovePhases.CatchingUp}')))
            """,
            cancellationToken, tenantId, moveId);
        if (asked > 0)
        {
            await AuditLog.WriteAsync(db, actor, "tenant.move.cancel", $"tenant:{tenantId}", new Dictionary<string, object?> { ["moveId"] = moveId }, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return asked > 0;
    }

    /// <summary>Moves the phase to the cut-over, unless a cancellation came first (the run then finds it and cancels).</summary>
    public async Task BeginCutOverAsync(Guid moveId, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(db,
            $"UPDATE catalog.tenant_moves SET phase = '{TenantMovePhases.CuttingOver}' WHERE id = $1 AND status = '{TenantMoveStatuses.Running}' AND NOT cancel_requested",
            cancellationToken, moveId);
    }

    public async Task<TenantMove> CancelAsync(TenantMove move, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(db,
            $"UPDATE catalog.tenant_moves SET status = '{TenantMoveStatuses.Cancelled}', phase = NULL, lag_bytes = NULL, lag_seconds = NULL, finished_at = now() WHERE id = $1 RETURNING {Columns}",
            cancellationToken, move.Id)).Single();
    }

    /// <summary>The replication of a finished online move is gone (and a completed one's source rows deleted): nothing is left to do.</summary>
    public async Task<TenantMove> FinishCleanupAsync(TenantMove move, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(db, $"UPDATE catalog.tenant_moves SET phase = NULL WHERE id = $1 RETURNING {Columns}", cancellationToken, move.Id)).Single();
    }

    /// <summary>Reads whether a cancellation was asked for a running move.</summary>
    public async Task<bool> IsCancelRequestedAsync(Guid moveId, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT cancel_requested FROM catalog.tenant_moves WHERE id = $1", db);
        command.Parameters.AddWithValue(moveId);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>The write pause of a completed online move's cut-over, measured once its writes resumed.</summary>
    public async Task<TenantMove> RecordWritePauseAsync(TenantMove move, TimeSpan pause, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(db, $"UPDATE catalog.tenant_moves SET write_pause_ms = $2 WHERE id = $1 RETURNING {Columns}", cancellationToken, move.Id, pause.TotalMilliseconds)).Single();
    }
}
