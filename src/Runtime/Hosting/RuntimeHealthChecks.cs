using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>The tag of health checks that decide readiness (<c>/readyz</c>).</summary>
public static class HealthTags
{
    public const string Ready = "ready";
}

/// <summary>A silo is ready while it is an active member that serves calls.</summary>
internal sealed class SiloHealthCheck(LocalSilo silo, IMembershipView membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            silo.IsStarted && silo.IsServing && membership.Current.IsActive(silo.Address)
                ? HealthCheckResult.Healthy($"silo {silo.Address} active among {membership.Current.ActiveSilos.Count}")
                : HealthCheckResult.Unhealthy(silo.IsStarted ? $"silo {silo.Address} is not an active, serving member" : "silo not started"));
}

/// <summary>A cluster client is ready when it knows at least one active silo.</summary>
internal sealed class ClientHealthCheck(IMembershipView membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            membership.Current.ActiveSilos.Count > 0
                ? HealthCheckResult.Healthy($"{membership.Current.ActiveSilos.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("no active silo known"));
}
