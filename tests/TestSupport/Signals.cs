using System.Runtime.InteropServices;

namespace OrleansTenants.TestSupport;

/// <summary>Sends POSIX signals: SIGINT is what Ctrl-C delivers, which <see cref="System.Diagnostics.Process"/> cannot send.</summary>
public static partial class Signals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static void Send(int processId, int signal)
    {
        if (Kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
