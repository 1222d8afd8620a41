using System.Diagnostics;
using System.Globalization;
using OrleansTenants.TestSupport;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// A PostgreSQL server that hangs instead of refusing: the postmaster and every process it forked are stopped
/// (SIGSTOP), so the kernel still completes TCP handshakes but nothing answers. Disposing resumes them (SIGCONT).
/// As root the postmaster runs under <c>runuser</c>, which stops itself when its child stops (job control) and
/// would never reap the postmaster again: it is resumed too.
/// </summary>
internal sealed class FrozenServer : IAsyncDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;
    private static readonly TimeSpan ParentDeadline = TimeSpan.FromSeconds(5);
    private readonly int _postmaster;
    private readonly List<int> _children;
    private readonly int? _launcher;
    private bool _thawed;

    private FrozenServer(int postmaster, List<int> children, int? launcher)
    {
        _postmaster = postmaster;
        _children = children;
        _launcher = launcher;
    }

    public static async Task<FrozenServer> FreezeAsync(int postmasterProcessId)
    {
        var parent = Stat(postmasterProcessId)?.Parent;
        int? launcher = parent is { } p && Comm(p) is "runuser" or "su" ? parent : null;

        // The postmaster first, so it forks nothing while its children are collected.
        Signals.Send(postmasterProcessId, SigStop);
        var children = ChildrenOf(postmasterProcessId);
        foreach (var child in children)
        {
            TrySend(child, SigStop);
        }

        // Let runuser notice and stop itself now, so that the thaw finds it stopped and resumes it.
        var waiting = Stopwatch.StartNew();
        while (launcher is { } l && Stat(l)?.State is not (null or 'T') && waiting.Elapsed < ParentDeadline)
        {
            await Task.Delay(10);
        }

        return new FrozenServer(postmasterProcessId, children, launcher);
    }

    public async ValueTask DisposeAsync()
    {
        if (_thawed)
        {
            return;
        }

        _thawed = true;
        foreach (var child in _children)
        {
            TrySend(child, SigCont);
        }

        TrySend(_postmaster, SigCont);
        var waiting = Stopwatch.StartNew();
        while (_launcher is { } launcher && Stat(launcher)?.State == 'T')
        {
            TrySend(launcher, SigCont);
            if (waiting.Elapsed > ParentDeadline)
            {
                throw new InvalidOperationException($"The postmaster's launcher {launcher} stays stopped.");
            }

            await Task.Delay(10);
        }
    }

    private static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (Stat(pid)?.Parent == parent)
            {
                children.Add(pid);
            }
        }

        return children;
    }

    /// <summary>State and parent from /proc/pid/stat, or null when the process is gone.</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null; // The process ended while we looked.
        }
    }

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    private static void TrySend(int pid, int signal)
    {
        try
        {
            Signals.Send(pid, signal);
        }
        catch (InvalidOperationException)
        {
            // Gone already (a backend that ended).
        }
    }
}
