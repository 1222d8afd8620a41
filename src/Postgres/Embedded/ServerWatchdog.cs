using System.Diagnostics;
using System.Globalization;

namespace OrleansTenants.Postgres.Embedded;

/// <summary>
/// Runs the postmaster under a small shell script that stops it (pg_ctl stop, fast) when the script's standard
/// input reaches end-of-file: when <see cref="DisposeAsync"/> closes it, or when this process dies in any way,
/// SIGKILL included. .NET creates its pipes close-on-exec, so only this process holds the write end and the
/// kernel closes it on exit. No server outlives its host, and nothing polls while it runs.
/// </summary>
internal sealed class ServerWatchdog : IAsyncDisposable
{
    // $1 data directory, $2 log file, $3 runtime (socket) directory, $4 pg_ctl, $5 server account or "",
    // then the postmaster command line.
    // - Terminal signals are ignored and the postmaster gets its own session (setsid), so Ctrl+C reaches only
    //   the .NET host, which then stops the server after its own graceful shutdown.
    // - The subshell reports the postmaster's exit on stdout and removes the "running" marker, so the stop loop
    //   knows when there is nothing left to stop.
    // - pg_ctl stop is retried because a postmaster that is still starting has no postmaster.pid yet.
    private const string Script = """
        exec 2>>"$2"
        trap '' HUP INT QUIT
        data=$1 log=$2 rundir=$3 pg_ctl=$4 account=$5
        shift 5
        as_account() { if [ -n "$account" ]; then runuser -u "$account" -- "$@"; else "$@"; fi; }
        : >"$rundir/running"
        (setsid -w "$@" </dev/null >>"$log" 2>&1; status=$?; rm -f "$rundir/running"; echo "exited $status") &
        cat >/dev/null
        while [ -e "$rundir/running" ]; do
          as_account "$pg_ctl" stop -D "$data" -m fast -w >>"$log" 2>&1 && break
          sleep 0.1
        done
        wait
        rm -rf "$rundir"
        """;

    private readonly Process _process;
    private readonly CancellationTokenSource _serverExited = new();
    private readonly Task _statusReader;

    private ServerWatchdog(Process process)
    {
        _process = process;
        // On the thread pool: the caller's synchronization context (xunit's, a UI's) may be too busy to notice the exit.
        _statusReader = Task.Run(ReadServerStatusAsync);
    }

    /// <summary>Cancelled when the postmaster exits (or the watchdog itself is gone).</summary>
    public CancellationToken ServerExited => _serverExited.Token;

    /// <summary>The postmaster's exit code, once it exited.</summary>
    public int? ServerExitCode { get; private set; }

    /// <summary>Starts the postmaster; the watchdog owns <paramref name="runtimeDirectory"/> and deletes it when done.</summary>
    public static ServerWatchdog Start(PostgresTools tools, string dataDirectory, string logFile, string runtimeDirectory, IEnumerable<string> serverArguments)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        string[] arguments =
        [
            "-c", Script, "postgres-watchdog",
            dataDirectory, logFile, runtimeDirectory, tools.PathOf("pg_ctl"), tools.ServerAccount ?? "",
            .. tools.Command("postgres", serverArguments),
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new ServerWatchdog(Process.Start(info) ?? throw new InvalidOperationException("Could not start /bin/sh."));
    }

    /// <summary>Stops the server (if it still runs) and waits for the watchdog to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync();
        await _statusReader;
        _process.Dispose();
        _serverExited.Dispose();
    }

    private async Task ReadServerStatusAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("exited ", StringComparison.Ordinal))
            {
                ServerExitCode = int.Parse(line.AsSpan("exited ".Length), CultureInfo.InvariantCulture);
                break;
            }
        }

        await _serverExited.CancelAsync();
    }
}
