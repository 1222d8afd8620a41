using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Messaging;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>
/// The silo's lifecycle. Start: cluster schema, cluster secret, internal endpoint, join, idle collector. Stop (graceful): stop
/// serving, leave placement, let running calls finish while every activation deactivates (each removing its own
/// directory entry), leave. Deactivation does not depend on the membership writes succeeding, and the stop honours
/// the host's deadline: activations still deactivating then keep their entries until peers declare this silo dead.
/// </summary>
internal sealed partial class SiloHost(
    ClusterDatabase database,
    MigrationRunner migrations,
    ClusterCredentials credentials,
    SiloTransportServer transport,
    SiloMembershipService membership,
    IGrainDirectory directory,
    ActivationManager activations,
    LocalSilo silo,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IOptions<SiloOptions> options,
    ILogger<SiloHost> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _collector = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await migrations.ApplyAsync(database.DataSource, ClusterSchema.Migrations, cancellationToken);
        await credentials.LoadForSiloAsync(cancellationToken);
        var endpoint = await transport.StartAsync(cancellationToken);
        silo.SetAddress(new SiloAddress(endpoint, time.GetUtcNow().UtcTicks));
        var name = settings.SiloName ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        await membership.JoinAsync(name, settings.PublicUrl, cancellationToken);
        _collector = RunCollectorAsync(_stopping.Token);
        lifetime.ApplicationStarted.Register(() => _ = PublishPublicUrlAsync());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!silo.IsStarted)
        {
            return;
        }

        LogStopping(silo.Address, activations.Count);
        silo.StopServing();
        var announced = ClusterWriteAsync("Announcing the shutdown", ct => membership.SetOwnStatusAsync(SiloStatus.ShuttingDown, ct), cancellationToken);
        var allGone = await DeactivateAllAsync(cancellationToken);
        await announced;

        await _stopping.CancelAsync();
        await _collector.ContinueWith(static _ => { }, TaskScheduler.Default);
        await membership.StopLoopsAsync();
        if (allGone)
        {
            // Every activation removed its own entry as it went; this clears those whose removal failed.
            await ClusterWriteAsync("Removing leftover directory entries", ct => directory.UnregisterSiloAsync(silo.Address, ct), cancellationToken);
            await ClusterWriteAsync("Leaving the cluster", ct => membership.SetOwnStatusAsync(SiloStatus.Dead, ct), cancellationToken);
        }

        await transport.StopAsync(cancellationToken);
        LogStopped(silo.Address);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>True when every activation is gone; false when the host's stop deadline came first.</summary>
    private async Task<bool> DeactivateAllAsync(CancellationToken cancellationToken)
    {
        try
        {
            await activations.DeactivateAllAsync(DeactivationReason.SiloShutdown, cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopDeadline(activations.Count);
            return false;
        }
    }

    /// <summary>
    /// A write to the cluster database during shutdown, bounded by the death timeout (after that peers judge this silo
    /// by its heartbeats anyway) and the host's deadline. A failure is logged: it must not keep the activations from ending.
    /// </summary>
    private async Task ClusterWriteAsync(string what, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.Value.DeathTimeout);
        try
        {
            await write(bounded.Token);
        }
        catch (Exception ex)
        {
            LogShutdownWriteFailed(what, ex);
        }
    }

    private async Task RunCollectorAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.CollectionQuantum, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await activations.CollectIdleAsync();
                }
                catch (Exception ex)
                {
                    // One failed round must not end idle collection for the life of the silo.
                    LogCollectionFailed(ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task PublishPublicUrlAsync()
    {
        if (options.Value.PublicUrl is not null || services.GetService<IServer>() is not { } server)
        {
            return;
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return;
        }

        try
        {
            // A wildcard bind is reachable on loopback; advertise that rather than an address nobody can dial.
            var url = address.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
                .Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal);
            await membership.SetPublicUrlAsync(url, _stopping.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublicUrlFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} stopping with {Activations} activations")]
    private partial void LogStopping(SiloAddress silo, int activations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} stopped")]
    private partial void LogStopped(SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the silo's public URL")]
    private partial void LogPublicUrlFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} failed during shutdown")]
    private partial void LogShutdownWriteFailed(string what, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stop deadline passed with {Activations} activation(s) still deactivating; their entries stay until peers declare this silo dead")]
    private partial void LogStopDeadline(int activations);

    [LoggerMessage(Level = LogLevel.Error, Message = "An idle collection round failed")]
    private partial void LogCollectionFailed(Exception exception);
}
