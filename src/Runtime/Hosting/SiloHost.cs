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
/// The silo's lifecycle. Start: cluster schema, internal endpoint, join, idle collector. Stop (graceful):
/// leave placement, stop taking calls, let running calls finish while every activation deactivates, leave.
/// </summary>
internal sealed partial class SiloHost(
    ClusterDatabase database,
    MigrationRunner migrations,
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
        await membership.SetOwnStatusAsync(SiloStatus.ShuttingDown, CancellationToken.None);
        silo.IsServing = false;

        // Deactivation closes each activation's gate and waits for its running calls: that is the drain.
        var drained = activations.DeactivateAllAsync(DeactivationReason.SiloShutdown);
        await Task.WhenAny(drained, Task.Delay(options.Value.ShutdownDrainTimeout, time, CancellationToken.None));
        await directory.UnregisterSiloAsync(silo.Address, CancellationToken.None);

        await _stopping.CancelAsync();
        await _collector.ContinueWith(static _ => { }, TaskScheduler.Default);
        await membership.StopLoopsAsync();
        await membership.SetOwnStatusAsync(SiloStatus.Dead, CancellationToken.None);
        await transport.DisposeAsync();
        LogStopped(silo.Address);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunCollectorAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.CollectionQuantum, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await activations.CollectIdleAsync();
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
}
