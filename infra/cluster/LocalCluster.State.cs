using System.Text.Json;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.ClusterLauncher;

/// <summary>The cluster's state: what <c>cluster.json</c> records, and writing it there.</summary>
public sealed partial class LocalCluster
{
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly long? OwnStartTime = LinuxProcess.StartTime(Environment.ProcessId);

    /// <summary>The state as <c>cluster.json</c> holds it.</summary>
    public ClusterState Describe() => new(
        Environment.ProcessId,
        OwnStartTime,
        DateTimeOffset.UtcNow,
        CatalogConnectionString,
        PostgresLogFile,
        PostgresProcessId,
        [.. _silos.OfType<ClusterNode>().Concat(_api is null ? [] : [_api]).Select(n => new ClusterState.Node(
            n.Name, n.Role.ToString().ToLowerInvariant(), n.Url?.ToString().TrimEnd('/'), n.ProcessId, n.ProcessStartTime, n.WrapperProcessId, n.LogFile))]);

    private void WriteState()
    {
        if (_options.WriteStateFile)
        {
            PrivateFile.Write(Path.Combine(DataDirectory, StateFileName), JsonSerializer.Serialize(Describe(), StateJson));
        }
    }
}
