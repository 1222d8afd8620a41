using System.Globalization;

namespace OrleansTenants.ApiBench;

/// <summary>
/// CPU time of this process and of the PostgreSQL server (postmaster and backends) from Linux /proc, so that each run
/// can say how much CPU a request cost on each side: on a shared 2-core machine that is steadier than throughput.
/// </summary>
internal sealed class CpuMeter(int postmasterPid)
{
    private static readonly double TicksPerSecond = 100;

    public (TimeSpan Process, TimeSpan Postgres) Read()
    {
        var own = Ticks(Environment.ProcessId);
        long postgres = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && (pid == postmasterPid || ParentOf(pid) == postmasterPid))
            {
                postgres += Ticks(pid);
            }
        }

        return (TimeSpan.FromSeconds(own / TicksPerSecond), TimeSpan.FromSeconds(postgres / TicksPerSecond));
    }

    /// <summary>utime + stime of a process (fields 14 and 15 of /proc/pid/stat, after the parenthesised command).</summary>
    private static long Ticks(int pid)
    {
        var fields = StatFields(pid);
        return fields is null ? 0 : long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static int ParentOf(int pid) => StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : -1;

    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            // The process ended meanwhile.
            return null;
        }
    }
}
