using System.Collections.Concurrent;
using System.Globalization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Cli.AdminApi;
using Spectre.Console;

namespace OrleansTenants.Cli.MoveAll;

/// <summary>
/// Moves a run's tenants, <c>parallel</c> at a time, each by one move of the admin API followed to its end (cleanup
/// included, so its replication slot is free before the next starts). The state is saved before and after each step.
/// Cancelled, it stops following; moves under way go on on the cluster and the next run follows them.
/// </summary>
internal sealed class MoveAllRun(AdminClient client, MoveAllState state, string statePath, int parallel)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan UnreachableFor = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, long> _copied = new(StringComparer.Ordinal);

    /// <summary>Plans every unfinished tenant (what the same move request would do), <c>parallel</c> at a time.</summary>
    public async Task<IReadOnlyList<(MoveAllEntry Entry, TenantMovePlan? Plan, string? Refusal)>> PlanAsync(CancellationToken cancellationToken)
    {
        var unfinished = state.Tenants.Where(t => t.Status is not (MoveAllStatuses.Moved or MoveAllStatuses.Skipped)).ToList();
        var plans = new (MoveAllEntry, TenantMovePlan?, string?)[unfinished.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, unfinished.Count), Options(cancellationToken), async (i, ct) =>
        {
            var entry = unfinished[i];
            if (entry.Status == MoveAllStatuses.Moving)
            {
                // Started by an earlier run: it is followed, not planned again.
                plans[i] = (entry, null, null);
                return;
            }

            try
            {
                plans[i] = (entry, (await client.PlanMoveAsync(entry.Id, Request, ct)).Value, null);
            }
            catch (AdminApiException refused) when (refused.Status is >= 400 and < 500)
            {
                plans[i] = (entry, null, refused.Detail ?? refused.Title);
            }
        });
        return plans;
    }

    /// <summary>Moves the planned tenants and follows those an earlier run started; rows are the plans' counts, for the progress bars.</summary>
    public async Task RunAsync(IAnsiConsole console, IReadOnlyList<(MoveAllEntry Entry, TenantMovePlan? Plan, string? Refusal)> plans, CancellationToken cancellationToken)
    {
        foreach (var (entry, _, refusal) in plans.Where(p => p.Refusal is not null))
        {
            Finish(entry, MoveAllStatuses.Failed, refusal);
        }

        var work = plans.Where(p => p.Refusal is null).ToList();
        var rows = work.ToDictionary(p => p.Entry.Id, p => p.Plan?.Rows ?? 0, StringComparer.Ordinal);
        var done = state.Tenants.Count(t => t.Status is MoveAllStatuses.Moved or MoveAllStatuses.Skipped);
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var tenants = progress.AddTask("tenants done", maxValue: state.Tenants.Count).Value(done);
                tenants.HideWhenCompleted(false);
                var copied = progress.AddTask("rows copied", maxValue: Math.Max(1, rows.Values.Sum()));
                copied.HideWhenCompleted(false);
                await Parallel.ForEachAsync(work, Options(cancellationToken), async (item, ct) =>
                {
                    var task = progress.AddTask(item.Entry.Id, maxValue: Math.Max(1, rows[item.Entry.Id]));
                    await MoveAsync(item.Entry, move => Show(task, copied, item.Entry, move), ct);
                    _copied[item.Entry.Id] = rows[item.Entry.Id];
                    copied.Value = _copied.Values.Sum();
                    task.Value = task.MaxValue;
                    tenants.Increment(1);
                });
            });
    }

    /// <summary>Each tenant's outcome with its move as the API shows it now.</summary>
    public async Task<MoveAllReport> ReportAsync(CancellationToken cancellationToken)
    {
        var tenants = new MoveAllTenantReport[state.Tenants.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, tenants.Length), Options(cancellationToken), async (i, ct) =>
        {
            var entry = state.Tenants[i];
            var move = entry.MoveId is { } id ? (await client.GetMoveAsync(entry.Id, id, ct)).Value : null;
            tenants[i] = MoveAllTenantReport.Of(entry, move);
        });
        return new MoveAllReport(state.Key, state.StartedAt, DateTimeOffset.UtcNow, state.Selector.ToString(), state.Target,
            MoveAllTenantReport.Total(tenants), tenants);
    }

    private MoveTenantRequest Request => new(state.Target, state.Copy);

    private ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken };

    private async Task MoveAsync(MoveAllEntry entry, Action<TenantMove> show, CancellationToken cancellationToken)
    {
        if (entry.MoveId is null)
        {
            var move = await AdoptOrStartAsync(entry, cancellationToken);
            if (move is null)
            {
                return;
            }

            state.Update(entry, e => (e.MoveId, e.ToDatabase) = (move.Id, move.ToDatabase));
            state.Save(statePath);
        }

        var current = await FollowAsync(entry, show, cancellationToken);
        Finish(entry, current.Status == TenantMoveStatuses.Completed ? MoveAllStatuses.Moved : MoveAllStatuses.Failed, current.Error ?? (current.Status == TenantMoveStatuses.Completed ? null : current.Status));
    }

    /// <summary>
    /// The move this run asked for: one the tenant gained since the run counted its moves (the run stopped before it
    /// saved the id), else a new one. Null when the API refused to start it (recorded as failed).
    /// </summary>
    private async Task<TenantMove?> AdoptOrStartAsync(MoveAllEntry entry, CancellationToken cancellationToken)
    {
        var moves = (await client.ListMovesAsync(entry.Id, cancellationToken)).Value;
        if (entry.MovesBefore is { } before && moves.Count > before)
        {
            return moves[^1];
        }

        state.Update(entry, e => (e.MovesBefore, e.Status) = (moves.Count, MoveAllStatuses.Moving));
        state.Save(statePath);
        try
        {
            return (await client.StartMoveAsync(entry.Id, Request, cancellationToken)).Value;
        }
        catch (AdminApiException refused) when (refused.Status is >= 400 and < 500)
        {
            Finish(entry, MoveAllStatuses.Failed, refused.Detail ?? refused.Title);
            return null;
        }
    }

    /// <summary>Polls the move until it is finished and its cleanup done; rides out a silo that does not answer for a while.</summary>
    private async Task<TenantMove> FollowAsync(MoveAllEntry entry, Action<TenantMove> show, CancellationToken cancellationToken)
    {
        var unreachableSince = (DateTimeOffset?)null;
        while (true)
        {
            try
            {
                var move = (await client.GetMoveAsync(entry.Id, entry.MoveId!.Value, cancellationToken)).Value;
                unreachableSince = null;
                show(move);
                if (TenantMoveStatuses.IsFinished(move.Status) && move.Phase is null)
                {
                    return move;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or AdminApiException { Status: >= 500 } && !cancellationToken.IsCancellationRequested)
            {
                unreachableSince ??= DateTimeOffset.UtcNow;
                if (DateTimeOffset.UtcNow - unreachableSince > UnreachableFor)
                {
                    throw;
                }
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private void Show(ProgressTask task, ProgressTask copied, MoveAllEntry entry, TenantMove move)
    {
        var rows = move.Status == TenantMoveStatuses.Completed ? move.RowsCopied : move.RowsByTable?.Sum(t => t.Rows) ?? 0;
        _copied[entry.Id] = Math.Min(rows, (long)task.MaxValue);
        task.Value = _copied[entry.Id];
        copied.Value = _copied.Values.Sum();
        var lag = move.LagBytes is { } bytes ? $", lag {Bytes(bytes)}" : "";
        task.Description = $"{entry.Id} [grey]{move.Phase ?? move.Status}{lag}[/]";
    }

    private void Finish(MoveAllEntry entry, string status, string? error)
    {
        state.Update(entry, e => (e.Status, e.Error) = (status, error));
        state.Save(statePath);
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        _ => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
    };
}
