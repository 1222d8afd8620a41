using Orleans.Configuration;

namespace OrleansTenants.Api.Cluster;

/// <summary><c>Orleans:ClusterId</c> and <c>Orleans:ServiceId</c>, which silos and cluster clients must share.</summary>
public static class ClusterIdentity
{
    public const string DefaultClusterId = "orleans-tenants";
    public const string DefaultServiceId = "orleans-tenants";

    /// <summary>Orleans binds the keys itself; this fills in the defaults where they are not set.</summary>
    public static void ApplyDefaults(ClusterOptions options, IConfiguration configuration)
    {
        options.ClusterId = configuration["Orleans:ClusterId"] is { Length: > 0 } clusterId ? clusterId : DefaultClusterId;
        options.ServiceId = configuration["Orleans:ServiceId"] is { Length: > 0 } serviceId ? serviceId : DefaultServiceId;
    }
}
