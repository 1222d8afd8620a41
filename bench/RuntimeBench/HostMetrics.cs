using System.Diagnostics;
using System.Globalization;

namespace OrleansTenants.RuntimeBench;

/// <summary>
/// Process and host counters sampled at the edges of a measured window. The host's counters are there because
/// the machine may be shared: a window in which other programs kept the cores busy is visible as such, rather
/// than silently slower. PostgreSQL runs in its own processes, so its CPU time is read from /proc separately.
/// </summary>
internal sealed class HostMetrics(int? postgresProcessId)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ: 100 on every Linux architecture .NET runs on.

    public Sample Take()
    {
        using var process = Process.GetCurrentProcess();
        var (busy, steal, total) = ReadHostCpu();
        return new Sample(
            process.TotalProcessorTime,
            GC.GetTotalAllocatedBytes(precise: false),
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            GC.GetTotalPauseDuration(),
            ReadPostgresCpuSeconds(),
            busy,
            steal,
            total);
    }

    public readonly record struct Sample(
        TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause, double PostgresCpuSeconds, long HostBusy, long HostSteal, long HostTotal);

    /// <summary>Jiffies of all cores since boot from the first line of /proc/stat: busy (not idle, not I/O wait), stolen by the hypervisor, total.</summary>
    private static (long Busy, long Steal, long Total) ReadHostCpu()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var (idle, iowait, steal) = (fields[3], fields[4], fields[7]);
            var total = fields.Sum();
            return (total - idle - iowait - steal, steal, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0, 0);
        }
    }

    /// <summary>
    /// CPU seconds of the postmaster, its live children (one backend per connection) and the children it has
    /// reaped (cutime/cstime), so backends that came and went are counted too.
    /// </summary>
    private double ReadPostgresCpuSeconds()
    {
        if (postgresProcessId is not { } postmaster)
        {
            return 0;
        }

        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is not { } stat)
            {
                continue;
            }

            if (pid == postmaster)
            {
                ticks += stat.UserTime + stat.SystemTime + stat.ChildrenUserTime + stat.ChildrenSystemTime;
            }
            else if (stat.ParentId == postmaster)
            {
                ticks += stat.UserTime + stat.SystemTime;
            }
        }

        return ticks / ClockTicksPerSecond;
    }

    private static (int ParentId, long UserTime, long SystemTime, long ChildrenUserTime, long ChildrenSystemTime)? ReadStat(int pid)
    {
        try
        {
            // The command name is in parentheses and may hold spaces: the numeric fields start after the last ')'.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            static long At(string[] f, int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            return ((int)At(fields, 1), At(fields, 11), At(fields, 12), At(fields, 13), At(fields, 14));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null; // The process ended while we looked.
        }
    }
}
