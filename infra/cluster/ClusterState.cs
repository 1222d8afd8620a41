using System.Text.Json;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.ClusterLauncher;

/// <summary>
/// What a running launcher writes to <c>cluster.json</c> (mode 0600: it holds the catalog connection string). Pids come
/// with their processes' start times, so that a pid reused by another process after a crash is not taken for ours.
/// </summary>
public sealed record ClusterState(
    int LauncherProcessId,
    long? LauncherStartTime,
    DateTimeOffset UpdatedAt,
    string CatalogConnectionString,
    string? PostgresLogFile,
    int? PostgresProcessId,
    IReadOnlyList<ClusterState.Node> Nodes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Node(string Name, string Role, string? Url, int ProcessId, long? ProcessStartTime, int WrapperProcessId, string LogFile)
    {
        /// <summary>True while this node's process runs (the recorded pid and start time still match).</summary>
        public bool IsRunning() => LinuxProcess.IsRunning(ProcessId, ProcessStartTime);
    }

    /// <summary>True while the launcher that wrote the state runs (the recorded pid and start time still match).</summary>
    public bool IsLauncherRunning() => LinuxProcess.IsRunning(LauncherProcessId, LauncherStartTime);

    public static ClusterState? Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, LocalCluster.StateFileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
