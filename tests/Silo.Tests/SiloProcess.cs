using OrleansTenants.TestSupport;

namespace OrleansTenants.Silo.Tests;

/// <summary>The real silo executable as a child process, the way a user runs it, with its output captured.</summary>
internal sealed class SiloProcess(DotnetProcess process, Uri baseAddress) : IAsyncDisposable
{
    public Uri BaseAddress { get; } = baseAddress;

    public int ProcessId => process.ProcessId;

    public string Output => process.Output;

    public static SiloProcess Start(string workingDirectory, IEnumerable<string>? arguments = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{RestartablePostgres.FreeLoopbackPort()}");
        return new SiloProcess(
            DotnetProcess.Start("OrleansTenants.Silo.dll", ["--urls", baseAddress.ToString().TrimEnd('/'), .. arguments ?? []], workingDirectory),
            baseAddress);
    }

    public Task WaitUntilReadyAsync(TimeSpan timeout) => process.WaitUntilReadyAsync(BaseAddress, timeout);

    public void Signal(int signal) => process.Signal(signal);

    public Task<int> WaitForExitAsync(TimeSpan timeout) => process.WaitForExitAsync(timeout);

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
