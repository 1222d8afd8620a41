using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansTenants.Silo.Cluster;

/// <summary>A silo is ready while Orleans' membership has it as an active member.</summary>
internal sealed class SiloMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(silo.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress.ToParsableString()} active among {active}")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress.ToParsableString()} is {status}, not an active member"));
    }
}
