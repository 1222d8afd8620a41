using System.Globalization;
using OrleansTenants.LoadTester.Reporting;

namespace OrleansTenants.LoadTester.Monitoring;

/// <summary>
/// The machine's CPU over a run, from Linux /proc: how busy all cores were, how much of that was this program's
/// process tree (the load generator, the silos or baseline processes, PostgreSQL and its backends: all started from
/// here), and so how much went to other programs. On a shared machine that last figure says whether a run was
/// disturbed. Sampled once a second; the result is the mean over the window.
/// </summary>
internal sealed class HostCpuSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<double> _clock;
    private readonly List<(double T, long Total, long Idle, long Ours)> _samples = [];
    private Task? _loop;

    public HostCpuSampler(Func<double> clock)
    {
        _clock = clock;
    }

    public void Start()
    {
        if (!File.Exists("/proc/stat"))
        {
            return;
        }

        _loop = Task.Run(async () =>
        {
            while (!_stopping.IsCancellationRequested)
            {
                var sample = Take();
                if (sample is { } s)
                {
                    lock (_samples)
                    {
                        _samples.Add((_clock(), s.Total, s.Idle, s.Ours));
                    }
                }

                try
                {
                    await Task.Delay(1000, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>Mean shares (0..100 % of all cores) between the samples at or after <paramref name="from"/> and at or before <paramref name="to"/>.</summary>
    public HostCpu? Summarize(double from, double to)
    {
        List<(double T, long Total, long Idle, long Ours)> window;
        lock (_samples)
        {
            window = [.. _samples.Where(s => s.T >= from - 1 && s.T <= to + 1)];
        }

        if (window.Count < 2)
        {
            return null;
        }

        var (first, last) = (window[0], window[^1]);
        var total = (double)Math.Max(1, last.Total - first.Total);
        var busy = 1 - (last.Idle - first.Idle) / total;
        var ours = Math.Min(busy, (last.Ours - first.Ours) / total);
        return new HostCpu(Math.Round(busy * 100, 1), Math.Round(ours * 100, 1), Math.Round(Math.Max(0, busy - ours) * 100, 1));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
    }

    /// <summary>Jiffies: all CPUs' total and idle (idle + iowait), and this process tree's user + system time.</summary>
    private static (long Total, long Idle, long Ours)? Take()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var total = cpu.Sum();
            var idle = cpu[3] + cpu[4];

            var parents = new Dictionary<int, int>();
            var times = new Dictionary<int, long>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    // proc(5), counting from the state after "(comm)": 1 ppid, 11 utime, 12 stime, 13 cutime, 14 cstime.
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                    times[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                        + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                    // Gone meanwhile.
                }
            }

            // This process and its descendants. cutime/cstime (fields 13, 14 above) carry the time of children that
            // ended and were waited for, so nodes stopped during the window still count.
            var ours = new HashSet<int> { Environment.ProcessId };
            bool added;
            do
            {
                added = false;
                foreach (var (pid, parent) in parents)
                {
                    if (!ours.Contains(pid) && ours.Contains(parent))
                    {
                        ours.Add(pid);
                        added = true;
                    }
                }
            }
            while (added);

            return (total, idle, ours.Sum(pid => times.GetValueOrDefault(pid)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
