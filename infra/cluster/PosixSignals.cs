using System.Runtime.InteropServices;

namespace OrleansTenants.ClusterLauncher;

/// <summary>
/// kill(2): <see cref="System.Diagnostics.Process"/> can send SIGKILL only. A pid kept in <c>cluster.json</c> is
/// signalled only while <see cref="OrleansTenants.Postgres.Embedded.LinuxProcess.IsRunning"/> says it still names the
/// process that was started.
/// </summary>
public static partial class PosixSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends the signal; false when there is no such process (or it may not be signalled).</summary>
    public static bool TrySend(int processId, int signal) => processId > 0 && Kill(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
