using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Storage;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Catalog.Moves;

namespace OrleansTenants.Grains.Moves;

/// <summary>
/// Carries one accepted move to its end, and survives silos: its state is in grain storage, and a reminder wakes it on
/// a live silo until the outcome is recorded. An offline move's copy and cut-over run in the tenant's grain (under its
/// exclusive gate), which this job asks to run it; an online move's phases run here (<see cref="OnlineMoveRun"/>), its
/// cut-over in the tenant's grain. Running again is always safe: an offline move runs once (one cut short is failed),
/// an online one goes on from the phase the catalog recorded.
/// </summary>
[GrainType("tenant-move")]
[PreferLocalPlacement]
public sealed partial class TenantMoveGrain(
    [PersistentState("job", TenantMoveGrain.StorageName)] IPersistentState<TenantMoveJob> job,
    TenantMoveCatalog moves,
    OnlineMoveRun online,
    TimeProvider time,
    ILogger<TenantMoveGrain> logger) : Grain, ITenantMoveGrain, IRemindable
{
    public const string StorageName = "tenant-moves";
    private const string WakeUpReminder = "wake-up";
    private const int AttemptsPerWakeUp = 5;
    private static readonly TimeSpan WakeUpPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    // Longer than a move may take (the tenant's grain gives up after 30 minutes): the job is not collected while it waits.
    private static readonly TimeSpan MaxRunTime = TimeSpan.FromMinutes(40);
    private Task? _run;

    public async Task StartAsync(string tenantId)
    {
        if (job.State.Phase == TenantMoveJobPhase.None)
        {
            await SaveAsync(state =>
            {
                state.TenantId = tenantId;
                state.Phase = TenantMoveJobPhase.Running;
            });
        }

        if (!job.State.IsFinished)
        {
            // Registered before the run starts: from here on, a silo that dies leaves the job to a live one.
            await this.RegisterOrUpdateReminder(WakeUpReminder, WakeUpPeriod, WakeUpPeriod);
            EnsureRunning();
        }
    }

    public Task<TenantMoveJob> GetJobAsync() => Task.FromResult(job.State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (job.State.Phase == TenantMoveJobPhase.Running)
        {
            EnsureRunning();
            return;
        }

        await ForgetAsync();
    }

    /// <summary>One run at a time per activation: a reminder tick during a run leaves it be.</summary>
    private void EnsureRunning()
    {
        if (_run is null || _run.IsCompleted)
        {
            _run = RunAsync();
        }
    }

    /// <summary>Asks the tenant's grain to run the move until it answers with an outcome, then records it.</summary>
    private async Task RunAsync()
    {
        var moveId = this.GetPrimaryKey();
        try
        {
            DelayDeactivation(MaxRunTime);
            for (var attempt = 1; ; attempt++)
            {
                await SaveAsync(state => state.Attempts++);
                try
                {
                    await FinishAsync(moveId, await RunOnceAsync(job.State.TenantId!, moveId));
                    return;
                }
                catch (Exception ex) when (attempt < AttemptsPerWakeUp)
                {
                    // The tenant's silo died or stalled mid-call, or a database did not answer. The tenant's next
                    // activation fails an offline move it finds cut short, one still running answers once done, and an
                    // online move goes on from its recorded phase: running again gives the outcome.
                    LogRetrying(moveId, job.State.TenantId!, ex.GetType().Name);
                    await Task.Delay(RetryDelay * attempt, time);
                }
            }
        }
        catch (Exception ex)
        {
            // Whatever it was, the reminder wakes the job again; the tenant's grain keeps the move consistent meanwhile.
            LogNotFinished(moveId, job.State.TenantId!, ex.GetType().Name);
        }
    }

    private async Task<TenantMove?> RunOnceAsync(string tenantId, Guid moveId) =>
        (await moves.GetAsync(tenantId, moveId, CancellationToken.None))?.Mode == TenantMoveModes.Online
            ? await online.RunAsync(tenantId, moveId, CancellationToken.None)
            : await GrainFactory.GetGrain<ITenantGrain>(tenantId).MoveAsync(moveId, CancellationToken.None);

    private async Task FinishAsync(Guid moveId, TenantMove? ended)
    {
        var phase = ended?.Status switch
        {
            TenantMoveStatuses.Completed => TenantMoveJobPhase.Completed,
            TenantMoveStatuses.Cancelled => TenantMoveJobPhase.Cancelled,
            // Null: the tenant is gone, and its move with it.
            TenantMoveStatuses.Failed or null => TenantMoveJobPhase.Failed,
            _ => throw new InvalidOperationException($"The tenant's grain answered the move as {ended.Status}."),
        };
        await SaveAsync(state => state.Phase = phase);
        LogFinished(moveId, job.State.TenantId!, job.State.Phase);
        await ForgetAsync();
    }

    /// <summary>A finished (or unknown) job needs no waking and no activation.</summary>
    private async Task ForgetAsync()
    {
        if (await this.GetReminder(WakeUpReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        DeactivateOnIdle();
    }

    /// <summary>
    /// Applies a change to the job and writes it. If the stored job changed since this activation read it (a second
    /// activation during a membership change, or an operator's hand), the write fails on its ETag: the stored job is
    /// read again and the change applied to it, unless it is finished already (then the stored outcome stands).
    /// </summary>
    private async Task SaveAsync(Action<TenantMoveJob> change)
    {
        change(job.State);
        job.State.UpdatedAt = time.GetUtcNow();
        try
        {
            await job.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            LogConflict(this.GetPrimaryKey());
            await job.ReadStateAsync();
            if (job.State.IsFinished)
            {
                return;
            }

            change(job.State);
            job.State.UpdatedAt = time.GetUtcNow();
            await job.WriteStateAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Move {MoveId} of tenant {TenantId}: {Phase}")]
    private partial void LogFinished(Guid moveId, string tenantId, TenantMoveJobPhase phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move {MoveId} of tenant {TenantId}: the tenant's grain did not answer ({Reason}); asking again")]
    private partial void LogRetrying(Guid moveId, string tenantId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move {MoveId} of tenant {TenantId} is not finished ({Reason}); its reminder wakes it again")]
    private partial void LogNotFinished(Guid moveId, string tenantId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Move job {MoveId} was written elsewhere since it was read; applying the change to the stored job")]
    private partial void LogConflict(Guid moveId);
}
