using System.Runtime.InteropServices;

namespace OrleansTenants.ClusterLauncher;

/// <summary>kill(2): <see cref="System.Diagnostics.Process"/> can send SIGKILL only.</summary>
public static partial class PosixSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends the signal; false when there is no such process (or it may not be signalled).</summary>
    public static bool TrySend(int processId, int signal) => processId > 0 && Kill(processId, signal) == 0;

    /// <summary>True while the process exists and is not a zombie (Linux /proc).</summary>
    public static bool IsAlive(int processId)
    {
        try
        {
            // "pid (comm) state ...": comm may contain spaces, so the state follows the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
