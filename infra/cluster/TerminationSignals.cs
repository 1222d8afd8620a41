using System.Runtime.InteropServices;

namespace OrleansTenants.ClusterLauncher;

/// <summary>
/// Runs a command with a token that the first SIGINT, SIGTERM or SIGHUP cancels instead of ending the process, so
/// that the command can stop what it started (which takes longer than System.CommandLine's 2 s grace period). A
/// second signal takes its default course and ends the process; the nodes and the PostgreSQL server it started still
/// stop, since their wrappers notice that it is gone.
/// </summary>
public static class TerminationSignals
{
    public const int ExitCodeStopped = 130;

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var stopping = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            if (!stopping.IsCancellationRequested)
            {
                context.Cancel = true;
                stopping.Cancel();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        try
        {
            return await command(stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("stopped");
            return ExitCodeStopped;
        }
    }
}
