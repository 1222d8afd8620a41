using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTenants.Runtime.Hosting;

namespace OrleansTenants.Runtime.Membership;

/// <summary>A cluster client's view of membership: read every probe period, and sooner when a call asks.</summary>
internal sealed partial class ClientMembershipService(
    IMembershipTable table,
    MembershipViewHolder views,
    TimeProvider time,
    IOptions<SiloOptions> options,
    ILogger<ClientMembershipService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            views.Publish(new MembershipView(await table.ReadAllAsync(cancellationToken)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // No silo may have created the cluster schema yet; calls wait for a view until their deadline.
            LogReadFailed(ex);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            await views.WaitForNextReadAsync(options.Value.ProbePeriod, failed, time, stoppingToken);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                views.Publish(new MembershipView(await table.ReadAllAsync(stoppingToken)));
                failed = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed = true;
                LogReadFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading cluster membership failed")]
    private partial void LogReadFailed(Exception exception);
}
