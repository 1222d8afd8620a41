using System.Diagnostics;
using System.Globalization;
using System.Net;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.ClusterLauncher;

/// <summary>The kind of process a <see cref="ClusterNode"/> runs.</summary>
public enum NodeRole
{
    Silo,
    Api,
    Other,
}

/// <summary>
/// One process of the local cluster (a silo, the standalone Api, or any other .NET program), started under a small
/// shell wrapper that ties its life to the launcher: the wrapper holds the read end of a pipe whose write end only
/// the launcher holds, and sends the process SIGTERM (then SIGKILL after 30 s) when that pipe reaches end-of-file,
/// which the kernel does when the launcher exits in any way, SIGKILL included. So no node outlives its launcher.
/// The process's standard output and error go to <see cref="LogFile"/>.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    // $1 log file, then the command line. Prints the child's pid on its first output line.
    // - The child gets /dev/null as stdin and no copy of the pipe (fd 3), so only the watcher holds it.
    // - The watcher is a subshell blocked in the read builtin (no extra process); SIGTERM ends it at once.
    // - Traps are set after the watcher is forked (a subshell resets caught signals): SIGTERM/SIGHUP to the wrapper
    //   are forwarded, SIGINT (Ctrl-C reaches the whole process group) only interrupts the wait, so the wrapper
    //   keeps waiting for its child, which handles SIGINT itself.
    internal const string WrapperScript = """
        log=$1
        shift
        exec 3<&0 </dev/null
        "$@" >>"$log" 2>&1 3<&- &
        child=$!
        echo "$child"
        {
          trap '' INT
          while read -r _ <&3; do :; done
          kill -TERM "$child" 2>/dev/null
          i=0
          while kill -0 "$child" 2>/dev/null && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
          kill -KILL "$child" 2>/dev/null
        } &
        watcher=$!
        exec 3<&-
        trap 'kill -TERM "$child" 2>/dev/null' TERM HUP
        trap ':' INT
        wait "$child"
        status=$?
        while [ "$status" -gt 128 ] && kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
        kill "$watcher" 2>/dev/null
        exit "$status"
        """;

    private readonly Process _wrapper;

    private ClusterNode(string name, NodeRole role, Uri? url, string logFile, Process wrapper, int processId)
    {
        Name = name;
        Role = role;
        Url = url;
        LogFile = logFile;
        _wrapper = wrapper;
        ProcessId = processId;
        ProcessStartTime = LinuxProcess.StartTime(processId);
    }

    public string Name { get; }

    public NodeRole Role { get; }

    /// <summary>Where the node's HTTP endpoint listens (null for a process that serves none).</summary>
    public Uri? Url { get; }

    /// <summary>The node's own process id (not the wrapper's).</summary>
    public int ProcessId { get; }

    /// <summary>The wrapper shell's process id.</summary>
    public int WrapperProcessId => _wrapper.Id;

    /// <summary>The node process's start time as /proc gives it (null if it was gone at once): with the pid, it names the process.</summary>
    public long? ProcessStartTime { get; }

    public string LogFile { get; }

    /// <summary>When the launcher killed the node on purpose (SIGKILL), if it did.</summary>
    public DateTimeOffset? KilledAt { get; private set; }

    public bool HasExited => _wrapper.HasExited;

    /// <summary>The node's exit code once it exited (a signal shows as 128 + its number).</summary>
    public int? ExitCode => _wrapper.HasExited ? _wrapper.ExitCode : null;

    /// <summary>Starts <c>dotnet <paramref name="assembly"/> <paramref name="arguments"/></c> under the wrapper.</summary>
    public static async Task<ClusterNode> StartAsync(
        string name,
        NodeRole role,
        Uri? url,
        string assembly,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        string workingDirectory,
        string logFile,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        await File.WriteAllTextAsync(logFile, "", cancellationToken);
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in (string[])["-c", WrapperScript, "cluster-node-" + name, logFile, DotnetHost.Path, assembly, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            // /bin/sh passes on only variables whose names are shell identifiers.
            if (key.Length == 0 || char.IsAsciiDigit(key[0]) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"Environment variable name '{key}' is not a shell identifier; pass it as a command-line setting instead.", nameof(environment));
            }

            info.Environment[key] = value;
        }

        var wrapper = Process.Start(info) ?? throw new InvalidOperationException("Could not start /bin/sh.");
        try
        {
            wrapper.ErrorDataReceived += (_, _) => { };
            wrapper.BeginErrorReadLine();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var line = await wrapper.StandardOutput.ReadLineAsync(timeout.Token);
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var processId))
            {
                throw new InvalidOperationException($"The wrapper of {name} did not report a process id (got '{line}').");
            }

            return new ClusterNode(name, role, url, logFile, wrapper, processId);
        }
        catch
        {
            wrapper.StandardInput.Close();
            wrapper.Kill(entireProcessTree: true);
            wrapper.Dispose();
            throw;
        }
    }

    /// <summary>Polls <c>/readyz</c> (or, with <paramref name="path"/>, another path) until it answers 200; fails early if the node exits.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken, string path = "/readyz")
    {
        if (Url is null)
        {
            return;
        }

        var waiting = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {ExitCode} while starting. End of {LogFile}:\n{TailOfLog(40)}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await http.GetAsync(new Uri(Url, path), attempt.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The attempt timed out; try again.
            }

            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} was not ready within {timeout}. End of {LogFile}:\n{TailOfLog(40)}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>SIGTERM, then waits up to <paramref name="timeout"/> for a clean exit, then SIGKILL. True when it exited by itself.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (HasExited)
        {
            return true;
        }

        PosixSignals.TrySend(ProcessId, PosixSignals.SigTerm);
        using var waiting = new CancellationTokenSource(timeout);
        try
        {
            await _wrapper.WaitForExitAsync(waiting.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            PosixSignals.TrySend(ProcessId, PosixSignals.SigKill);
            await _wrapper.WaitForExitAsync(CancellationToken.None);
            return false;
        }
    }

    /// <summary>kill -9: the node gets no chance to clean up. Returns once the wrapper has seen it die.</summary>
    public async Task KillAsync()
    {
        KilledAt = DateTimeOffset.UtcNow;
        PosixSignals.TrySend(ProcessId, PosixSignals.SigKill);
        using var waiting = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _wrapper.WaitForExitAsync(waiting.Token);
    }

    public string TailOfLog(int lines)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            await StopAsync(TimeSpan.FromSeconds(30));
        }

        _wrapper.StandardInput.Close();
        _wrapper.Dispose();
    }
}

/// <summary>The <c>dotnet</c> host that runs the node assemblies: the one running this process when it is <c>dotnet</c>.</summary>
internal static class DotnetHost
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
