using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace OrleansTenants.TestSupport;

/// <summary>
/// A .NET program from the test output folder run as a child process (as a user or operator would run it),
/// with its output captured for failure messages and signals for fault tests.
/// </summary>
public sealed class DotnetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DotnetProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    /// <summary>Runs <paramref name="assemblyName"/> (a dll next to the test assembly) with the given arguments.</summary>
    public static DotnetProcess Start(string assemblyName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assemblyName));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new DotnetProcess(Process.Start(info)!);
    }

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    /// <summary>
    /// Waits (polling with a deadline) until the web server this process runs at <paramref name="baseAddress"/> answers
    /// <c>/readyz</c> with 200; fails at once, with the output, if the process exits first.
    /// </summary>
    public async Task WaitUntilReadyAsync(Uri baseAddress, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"The process exited with code {ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy starting to answer within the probe's timeout.
            }

            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"Not ready within {timeout}:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
