using System.Data;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Catalog.Moves;

/// <summary>
/// <c>catalog.tenant_moves</c>: a move is <c>pending</c> when asked for, <c>running</c> once the tenant's grain has
/// claimed it, and <c>completed</c> in the same transaction that points the tenant at its new database (the tenant's
/// status is <c>moving</c> meanwhile, so an activation that finds it so knows a move was cut short).
/// </summary>
public sealed partial class TenantMoveCatalog(CatalogDatabase catalog)
{
    private const string Columns =
        "id, tenant_id, from_mode, from_database, to_mode, to_database, status, rows_copied, error, created_at, started_at, finished_at, verification, "
        + "mode, phase, lag_bytes, write_pause_ms, lag_seconds, rows_by_table";

    public async Task<TenantMove> CreateAsync(TenantRecord tenant, string toMode, string toDatabase, string moveMode, string actor, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        TenantMove move;
        try
        {
            move = (await QueryAsync(db,
                $"INSERT INTO catalog.tenant_moves (tenant_id, from_mode, from_database, to_mode, to_database, mode) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {Columns}",
                cancellationToken, tenant.Id, tenant.PlacementMode, tenant.DatabaseName, toMode, toDatabase, moveMode)).Single();
        }
        catch (PostgresException clash) when (clash.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new AdminConflictException($"Tenant '{tenant.Id}' has a move that has not finished yet.");
        }

        await AuditLog.WriteAsync(db, actor, "tenant.move.start", $"tenant:{tenant.Id}",
            new Dictionary<string, object?> { ["moveId"] = move.Id, ["from"] = tenant.DatabaseName, ["to"] = toDatabase, ["mode"] = moveMode }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return move;
    }

    public async Task<TenantMove?> GetAsync(string tenantId, Guid moveId, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(db, $"SELECT {Columns} FROM catalog.tenant_moves WHERE tenant_id = $1 AND id = $2", cancellationToken, tenantId, moveId))
            .SingleOrDefault();
    }

    public async Task<IReadOnlyList<TenantMove>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(db, $"SELECT {Columns} FROM catalog.tenant_moves WHERE tenant_id = $1 ORDER BY created_at, id", cancellationToken, tenantId);
    }

    /// <summary>Takes a pending move for the tenant's grain and marks the tenant as moving; null when it is not pending.</summary>
    public async Task<TenantMove?> ClaimAsync(string tenantId, Guid moveId, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        var claimed = (await QueryAsync(db,
            $"UPDATE catalog.tenant_moves SET status = '{TenantMoveStatuses.Running}', started_at = now() WHERE tenant_id = $1 AND id = $2 AND status = '{TenantMoveStatuses.Pending}' AND mode = '{TenantMoveModes.Offline}' RETURNING {Columns}",
            cancellationToken, tenantId, moveId)).SingleOrDefault();
        if (claimed is not null)
        {
            await ExecuteAsync(db, $"UPDATE catalog.tenants SET status = '{TenantStatuses.Moving}', updated_at = now() WHERE id = $1", cancellationToken, tenantId);
        }

        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <summary>
    /// The cut-over: the tenant now lives in the target database (its own connection override belonged to the old
    /// one and goes), and the move is completed, in one transaction. An offline move's tenant is <c>moving</c> until
    /// then; an online move's stays <c>active</c>.
    /// </summary>
    public async Task<TenantMove> CompleteAsync(
        TenantMove move, long rowsCopied, IReadOnlyList<TableVerification> verification, TimeSpan writePause, CancellationToken cancellationToken)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        var switched = await ExecuteAsync(db,
            $"""
            UPDATE catalog.tenants SET status = '{TenantStatuses.Active}', placement_mode = $2, database_name = $3, connection_secret = NULL, connection_key_id = NULL, updated_at = now()
            WHERE id = $1 AND status = $5 AND database_name = $4
            """,
            cancellationToken, move.TenantId, move.ToMode, move.ToDatabase, move.FromDatabase, move.Mode == TenantMoveModes.Online ? TenantStatuses.Active : TenantStatuses.Moving);
        if (switched == 0)
        {
            throw new InvalidOperationException("The tenant's placement changed while it was being moved.");
        }

        var completed = (await QueryAsync(db,
            $"""
            UPDATE catalog.tenant_moves SET status = '{TenantMoveStatuses.Completed}', rows_copied = $2, verification = $3, write_pause_ms = $4,
                phase = CASE WHEN mode = '{TenantMoveModes.Online}' THEN '{TenantMovePhases.CleaningUp}' END, lag_bytes = NULL, lag_seconds = NULL, finished_at = now()
            WHERE id = $1 RETURNING {Columns}
            """,
            cancellationToken, move.Id, rowsCopied, VerificationParameter(verification), writePause.TotalMilliseconds)).Single();
        await AuditLog.WriteAsync(db, "tenant-grain", "tenant.move.complete", $"tenant:{move.TenantId}",
            new Dictionary<string, object?> { ["moveId"] = move.Id, ["to"] = move.ToDatabase, ["rows"] = rowsCopied }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return completed;
    }

    /// <summary>
    /// Records why a move failed (and what it verified, if it got that far) and gives the tenant back to its old
    /// database, where its rows still are. An online move's replication is then still to be dropped: its phase says so.
    /// </summary>
    public async Task<TenantMove> FailAsync(TenantMove move, string error, CancellationToken cancellationToken, IReadOnlyList<TableVerification>? verification = null)
    {
        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(db, $"UPDATE catalog.tenants SET status = '{TenantStatuses.Active}', updated_at = now() WHERE id = $1 AND status = '{TenantStatuses.Moving}'", cancellationToken, move.TenantId);
        var failed = (await QueryAsync(db,
            $"""
            UPDATE catalog.tenant_moves SET status = '{TenantMoveStatuses.Failed}', error = left($2, 2000), verification = $3, lag_bytes = NULL, lag_seconds = NULL, finished_at = now(),
                phase = CASE WHEN mode = '{TenantMoveModes.Online}' THEN '{TenantMovePhases.CleaningUp}' END
            WHERE id = $1 RETURNING {Columns}
            """,
            cancellationToken, move.Id, error, VerificationParameter(verification))).Single();
        await AuditLog.WriteAsync(db, "tenant-grain", "tenant.move.fail", $"tenant:{move.TenantId}",
            new Dictionary<string, object?> { ["moveId"] = move.Id }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return failed;
    }

    /// <summary>An activation found the tenant still moving: the silo running the move stopped before the cut-over.</summary>
    public async Task FailInterruptedAsync(string tenantId, CancellationToken cancellationToken)
    {
        foreach (var move in (await ListAsync(tenantId, cancellationToken)).Where(m => m.Status == TenantMoveStatuses.Running))
        {
            await FailAsync(move, "interrupted: the silo running it stopped before the cut-over; the tenant stayed where it was", cancellationToken);
        }

        await using var db = await catalog.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(db, $"UPDATE catalog.tenants SET status = '{TenantStatuses.Active}', updated_at = now() WHERE id = $1 AND status = '{TenantStatuses.Moving}'", cancellationToken, tenantId);
    }

    private static NpgsqlParameter VerificationParameter(IReadOnlyList<TableVerification>? verification) =>
        Jsonb(verification is null ? null : JsonSerializer.Serialize(verification, TableVerificationJsonContext.Default.IReadOnlyListTableVerification));

    private static NpgsqlParameter Jsonb(string? json) => new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)json ?? DBNull.Value };

    private static async Task<int> ExecuteAsync(NpgsqlConnection db, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Command(db, sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A command with positional parameters: values as they are, or parameters typed by the caller (jsonb).</summary>
    private static NpgsqlCommand Command(NpgsqlConnection db, string sql, object[] values)
    {
        var command = new NpgsqlCommand(sql, db);
        foreach (var value in values)
        {
            if (value is NpgsqlParameter typed)
            {
                command.Parameters.Add(typed);
            }
            else
            {
                command.Parameters.AddWithValue(value);
            }
        }

        return command;
    }

    private static async Task<List<TenantMove>> QueryAsync(NpgsqlConnection db, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Command(db, sql, values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var moves = new List<TenantMove>();
        while (await reader.ReadAsync(cancellationToken))
        {
            moves.Add(new TenantMove(
                reader.GetGuid("id"),
                reader.GetString("tenant_id"),
                reader.GetString("from_mode"),
                reader.GetString("from_database"),
                reader.GetString("to_mode"),
                reader.GetString("to_database"),
                reader.GetString("status"),
                reader.GetInt64("rows_copied"),
                reader.IsDBNull("error") ? null : reader.GetString("error"),
                reader.GetFieldValue<DateTimeOffset>("created_at"),
                reader.IsDBNull("started_at") ? null : reader.GetFieldValue<DateTimeOffset>("started_at"),
                reader.IsDBNull("finished_at") ? null : reader.GetFieldValue<DateTimeOffset>("finished_at"),
                reader.IsDBNull("verification")
                    ? null
                    : JsonSerializer.Deserialize(reader.GetString("verification"), TableVerificationJsonContext.Default.IReadOnlyListTableVerification),
                reader.GetString("mode"),
                reader.IsDBNull("phase") ? null : reader.GetString("phase"),
                reader.IsDBNull("lag_bytes") ? null : reader.GetInt64("lag_bytes"),
                reader.IsDBNull("write_pause_ms") ? null : reader.GetDouble("write_pause_ms"),
                reader.IsDBNull("lag_seconds") ? null : reader.GetDouble("lag_seconds"),
                reader.IsDBNull("rows_by_table")
                    ? null
                    : JsonSerializer.Deserialize(reader.GetString("rows_by_table"), TableVerificationJsonContext.Default.IReadOnlyListTableRows)));
        }

        return moves;
    }
}
