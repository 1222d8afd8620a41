using System.Globalization;

namespace OrleansTenants.Postgres.Embedded;

/// <summary>
/// What Linux /proc says about a process. A pid alone does not name a process for long: once it exits the kernel may
/// give the pid to another one. So a pid kept for later (an owner file, a launcher's state file) is kept with the
/// process's start time, and the process counts as the same one only while both still match.
/// </summary>
public static class LinuxProcess
{
    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int processId) => Stat(processId) is { } fields && fields[0] != "Z";

    /// <summary>When the process started (clock ticks since boot, field 22 of /proc/pid/stat); null when there is no such process.</summary>
    public static long? StartTime(int processId) =>
        Stat(processId) is { Length: > 19 } fields && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;

    /// <summary>True while the process that started at <paramref name="startTime"/> still runs under that pid; false without a start time.</summary>
    public static bool IsRunning(int processId, long? startTime) =>
        startTime is { } expected && StartTime(processId) == expected && IsAlive(processId);

    /// <summary>The fields of /proc/pid/stat from the state (field 3) on; null when there is no such process.</summary>
    private static string[]? Stat(int processId)
    {
        if (processId <= 0)
        {
            return null;
        }

        try
        {
            // "pid (comm) state ...": comm may contain spaces and ')', so the fields follow the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
