using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;

namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// The silo's side of membership: joins, heartbeats, reads the table, declares silos with stale heartbeats
/// dead (compare-and-swap, so one declaration wins), deletes long-dead rows, and fences itself: it stops serving
/// when it cannot heartbeat for nearly the death timeout, and stops the process when it finds itself dead.
/// </summary>
internal sealed partial class SiloMembershipService(
    IMembershipTable table,
    IGrainDirectory directory,
    MembershipViewHolder views,
    LocalSilo silo,
    ActivationManager activations,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IOptions<SiloOptions> options,
    ILogger<SiloMembershipService> logger) : IDisposable
{
    private readonly SiloOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeats = Task.CompletedTask;
    private Task _probes = Task.CompletedTask;
    private long _lastHeartbeat;
    private long _lastCleanup;
    private int _leaving;

    public async Task JoinAsync(string siloName, string? publicUrl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = new MembershipEntry(silo.Address, SiloStatus.Active, siloName, publicUrl, now, now, TimeSpan.Zero, 0);
        while (true)
        {
            var snapshot = await table.ReadAllAsync(cancellationToken);
            if (await table.InsertRowAsync(entry, snapshot.Version, cancellationToken))
            {
                break;
            }
        }

        _lastHeartbeat = _lastCleanup = time.GetTimestamp();
        silo.StartServing();
        views.Publish(new MembershipView(await table.ReadAllAsync(cancellationToken)));
        _heartbeats = RunHeartbeatsAsync(_stopping.Token);
        _probes = RunProbesAsync(_stopping.Token);
        LogJoined(silo.Address);
    }

    /// <summary>Writes a new status for this silo, retrying the compare-and-swap until it lands.</summary>
    public Task SetOwnStatusAsync(SiloStatus status, CancellationToken cancellationToken) =>
        UpdateOwnAsync(own => own with { Status = status }, cancellationToken);

    /// <summary>Advertises the silo's public base URL, once the web server knows it.</summary>
    public Task SetPublicUrlAsync(string publicUrl, CancellationToken cancellationToken) =>
        UpdateOwnAsync(own => own with { PublicUrl = publicUrl }, cancellationToken);

    private async Task UpdateOwnAsync(Func<MembershipEntry, MembershipEntry> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var snapshot = await table.ReadAllAsync(cancellationToken);
            var own = snapshot.Entries.FirstOrDefault(e => e.Address == silo.Address);
            if (own is null || own.Status == SiloStatus.Dead)
            {
                return;
            }

            if (await table.UpdateRowAsync(change(own), own.ETag, snapshot.Version, cancellationToken))
            {
                views.Publish(new MembershipView(await table.ReadAllAsync(cancellationToken)));
                return;
            }
        }
    }

    public async Task StopLoopsAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_heartbeats, _probes).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunHeartbeatsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod, time);
        while (await WaitAsync(timer, cancellationToken))
        {
            await HeartbeatAsync(cancellationToken);

            // Peers declare a silo dead after the death timeout; one that cannot prove it is alive for nearly that
            // long must assume it may be, and stop serving before a second activation can appear elsewhere.
            var silent = time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeat));
            if (silent >= _options.DeathTimeout - _options.HeartbeatPeriod && silo.TryFence())
            {
                LogFenced(silent);
            }
        }
    }

    /// <summary>
    /// One heartbeat, bounded by the heartbeat period so that a stalled database cannot hold the loop, and with it
    /// the fence, beyond that. A success counts from when the attempt started: the database stamped it after that.
    /// </summary>
    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(_options.HeartbeatPeriod);
            if (!await table.UpdateHeartbeatAsync(silo.Address, attempt.Token).WaitAsync(_options.HeartbeatPeriod, time, cancellationToken))
            {
                await LeaveAsDeadAsync();
                return;
            }

            // The probe heartbeats too while fenced: of two overlapping attempts, the later start counts.
            var last = Interlocked.Read(ref _lastHeartbeat);
            while (started > last && Interlocked.CompareExchange(ref _lastHeartbeat, started, last) != last)
            {
                last = Interlocked.Read(ref _lastHeartbeat);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogHeartbeatFailed(ex);
        }
    }

    private async Task RunProbesAsync(CancellationToken cancellationToken)
    {
        var failed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            await views.WaitForNextReadAsync(_options.ProbePeriod, failed, time, cancellationToken);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await ProbeAsync(cancellationToken);
                failed = false;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failed = true;
                LogProbeFailed(ex);
            }

            await CleanupDefunctSilosAsync(cancellationToken);
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (silo.IsFenced)
        {
            // Prove liveness now rather than at the next heartbeat tick, so that a call waiting for a fresh view is served sooner.
            await HeartbeatAsync(cancellationToken);
        }

        var snapshot = await table.ReadAllAsync(cancellationToken);
        var own = snapshot.Entries.FirstOrDefault(e => e.Address == silo.Address);
        if (own is null || own.Status == SiloStatus.Dead)
        {
            await LeaveAsDeadAsync();
            return;
        }

        // A heartbeat this recent cannot have been declared dead (declaring checks the heartbeat's age in the
        // database); a silo that is stopping stays fenced whatever it reads.
        if (own.Status == SiloStatus.Active && time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeat)) < _options.HeartbeatPeriod * 2 && silo.TryUnfence())
        {
            LogUnfenced();
        }

        views.Publish(new MembershipView(await DeclareStaleSilosDeadAsync(snapshot, cancellationToken)));
    }

    /// <summary>Declares every other silo whose heartbeat is older than the death timeout dead, one at a time; returns a fresh snapshot.</summary>
    private async Task<MembershipSnapshot> DeclareStaleSilosDeadAsync(MembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        while (snapshot.Entries.FirstOrDefault(e => e.Address != silo.Address && e.Status != SiloStatus.Dead && e.HeartbeatAge > _options.DeathTimeout) is { } stale)
        {
            var declared = await table.DeclareDeadAsync(stale, snapshot.Version, _options.DeathTimeout, cancellationToken);
            if (declared)
            {
                LogDeclaredDead(stale.Address, stale.HeartbeatAge);
                await directory.UnregisterSiloAsync(stale.Address, cancellationToken);
            }

            // Judge the next entry on what the table says now: our write, or another one, moved the version.
            snapshot = await table.ReadAllAsync(cancellationToken);
            if (!declared)
            {
                // It heart-beat meanwhile, or another writer won: the next probe judges again.
                break;
            }
        }

        return snapshot;
    }

    /// <summary>Deletes long-dead rows now and then, so the table every silo reads each probe does not grow forever.</summary>
    private async Task CleanupDefunctSilosAsync(CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(_lastCleanup) < _options.DefunctSiloCleanupPeriod)
        {
            return;
        }

        _lastCleanup = time.GetTimestamp();
        try
        {
            var deleted = await table.CleanupDefunctEntriesAsync(_options.DefunctSiloRetention, cancellationToken);
            if (deleted > 0)
            {
                LogDefunctDeleted(deleted, _options.DefunctSiloRetention);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCleanupFailed(ex);
        }
    }

    private async Task LeaveAsDeadAsync()
    {
        if (Interlocked.Exchange(ref _leaving, 1) == 1)
        {
            return;
        }

        silo.StopServing();
        LogReadSelfDead(silo.Address);
        try
        {
            await activations.DeactivateAllAsync(DeactivationReason.SiloDeclaredDead, CancellationToken.None);
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} joined the cluster")]
    private partial void LogJoined(SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat failed")]
    private partial void LogHeartbeatFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "No heartbeat written for {Silent}: this silo stops serving until it can prove it is alive")]
    private partial void LogFenced(TimeSpan silent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeats written again and still active: serving calls again")]
    private partial void LogUnfenced();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading membership failed")]
    private partial void LogProbeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declared silo {Silo} dead: no heartbeat for {Age}")]
    private partial void LogDeclaredDead(SiloAddress silo, TimeSpan age);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} silo(s) dead for longer than {Retention} from the membership table")]
    private partial void LogDefunctDeleted(int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting dead silos from the membership table failed")]
    private partial void LogCleanupFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {Silo} was declared dead by its peers: deactivating everything and stopping")]
    private partial void LogReadSelfDead(SiloAddress silo);
}
