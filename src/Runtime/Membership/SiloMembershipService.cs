using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;

namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// The silo's side of membership: joins, heartbeats, reads the table, declares silos with stale heartbeats
/// dead (compare-and-swap, so one declaration wins), and fences itself: it stops serving when it cannot
/// heartbeat for the death timeout, and stops the process when it reads itself as dead.
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

        _lastHeartbeat = time.GetTimestamp();
        silo.IsServing = true;
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
            try
            {
                await table.UpdateHeartbeatAsync(silo.Address, cancellationToken);
                Interlocked.Exchange(ref _lastHeartbeat, time.GetTimestamp());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHeartbeatFailed(ex);
            }

            // Peers declare a silo dead after the death timeout; one that cannot prove it is alive for that
            // long must assume it may be, and stop serving before a second activation can appear elsewhere.
            var silent = time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeat));
            if (silent >= _options.DeathTimeout - _options.HeartbeatPeriod && silo.IsServing)
            {
                silo.IsServing = false;
                LogFenced(silent);
            }
        }
    }

    private async Task RunProbesAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAny(Task.Delay(_options.ProbePeriod, time, cancellationToken), views.RefreshRequested)
                .ContinueWith(static _ => { }, TaskScheduler.Default);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await ProbeAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogProbeFailed(ex);
            }
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var snapshot = await table.ReadAllAsync(cancellationToken);
        var own = snapshot.Entries.FirstOrDefault(e => e.Address == silo.Address);
        if (own is null || own.Status == SiloStatus.Dead)
        {
            await LeaveAsDeadAsync();
            return;
        }

        if (!silo.IsServing && own.Status == SiloStatus.Active && time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeat)) < _options.HeartbeatPeriod * 2)
        {
            silo.IsServing = true;
            LogUnfenced();
        }

        foreach (var entry in snapshot.Entries)
        {
            if (entry.Address != silo.Address && entry.Status != SiloStatus.Dead && entry.HeartbeatAge > _options.DeathTimeout
                && await table.UpdateRowAsync(entry with { Status = SiloStatus.Dead }, entry.ETag, snapshot.Version, cancellationToken))
            {
                LogDeclaredDead(entry.Address, entry.HeartbeatAge);
                await directory.UnregisterSiloAsync(entry.Address, cancellationToken);

                // The version moved with our own write; read again before judging the next entry.
                snapshot = await table.ReadAllAsync(cancellationToken);
            }
        }

        views.Publish(new MembershipView(snapshot));
    }

    private async Task LeaveAsDeadAsync()
    {
        if (Interlocked.Exchange(ref _leaving, 1) == 1)
        {
            return;
        }

        silo.IsServing = false;
        LogReadSelfDead(silo.Address);
        await activations.DeactivateAllAsync(DeactivationReason.SiloDeclaredDead);
        lifetime.StopApplication();
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

    [LoggerMessage(Level = LogLevel.Critical, Message = "Silo {Silo} was declared dead by its peers: deactivating everything and stopping")]
    private partial void LogReadSelfDead(SiloAddress silo);
}
