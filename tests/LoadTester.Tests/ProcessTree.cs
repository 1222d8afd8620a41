using System.Diagnostics;
using System.Globalization;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>A process and all it started, read from Linux /proc, each with its start time (so a reused pid is not mistaken for it).</summary>
internal static class ProcessTree
{
    /// <summary><paramref name="root"/> and every process below it: children, their children, and so on.</summary>
    public static List<(int Pid, long? StartTime)> Of(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Parent(pid) is { } parent)
            {
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
        }

        var found = new List<(int, long?)>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var pid))
        {
            found.Add((pid, LinuxProcess.StartTime(pid)));
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>Waits until none of <paramref name="processes"/> runs any more; fails naming those that still do.</summary>
    public static async Task WaitUntilGoneAsync(IReadOnlyList<(int Pid, long? StartTime)> processes, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (processes.Where(p => LinuxProcess.IsRunning(p.Pid, p.StartTime)).Select(p => p.Pid).ToList() is { Count: > 0 } left)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Still running after {timeout}: {string.Join(", ", left.Select(Describe))}.");
            }

            await Task.Delay(100);
        }
    }

    private static int? Parent(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Describe(int pid)
    {
        try
        {
            return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }
}
