using Xunit;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// The cluster of the online move fault tests. A tenant's statement may wait a minute rather than 5 s, so a write that
/// a test holds on a table lock holds an online move's cut-over (which waits for the writes in flight) as long as the
/// test needs; an initial copy fails after 15 s without progress rather than 10 minutes.
/// </summary>
public sealed class OnlineMoveFaultCluster : IAsyncLifetime
{
    public static readonly TimeSpan CopyStallTimeout = TimeSpan.FromSeconds(15);

    public ApiCluster Cluster { get; } = new() { Settings = ["--TenantData:StatementTimeout=00:01:00", $"--TenantData:CopyStallTimeout={CopyStallTimeout}"] };

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}
