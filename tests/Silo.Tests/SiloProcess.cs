using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OrleansTenants.TestSupport;

namespace OrleansTenants.Silo.Tests;

/// <summary>The real silo executable as a child process, the way a user runs it, with its output captured.</summary>
internal sealed class SiloProcess(DotnetProcess process, Uri baseAddress) : IAsyncDisposable
{
    public Uri BaseAddress { get; } = baseAddress;

    public int ProcessId => process.ProcessId;

    public string Output => process.Output;

    public static SiloProcess Start(string workingDirectory)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        return new SiloProcess(DotnetProcess.Start("OrleansTenants.Silo.dll", ["--urls", baseAddress.ToString().TrimEnd('/')], workingDirectory), baseAddress);
    }

    /// <summary>Waits (polling with a deadline) until <c>/readyz</c> answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with code {process.ExitCode}:\n{Output}");
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
                throw new TimeoutException($"The silo was not ready within {timeout}:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public void Signal(int signal) => process.Signal(signal);

    public Task<int> WaitForExitAsync(TimeSpan timeout) => process.WaitForExitAsync(timeout);

    public ValueTask DisposeAsync() => process.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
