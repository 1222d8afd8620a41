using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>A test silo in its own process, so a test can kill it with SIGKILL as an operator's bad day would.</summary>
internal sealed class ChildSilo : IAsyncDisposable
{
    private static readonly string HostAssembly = Path.Combine(AppContext.BaseDirectory, "OrleansTenants.TestSiloHost.dll");
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ChildSilo(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string Output => string.Join('\n', _output);

    public static ChildSilo Start(string name, string connectionString)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostAssembly);
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["Silo:ConnectionString"] = connectionString,
            ["Silo:SiloName"] = name,
            ["Silo:HeartbeatPeriod"] = "00:00:00.500",
            ["Silo:ProbePeriod"] = "00:00:00.500",
            ["Silo:DeathTimeout"] = "00:00:03",
            ["Logging:LogLevel:Default"] = "Warning",
        })
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        return new ChildSilo(name, Process.Start(info)!);
    }

    public void Kill() => _process.Kill();

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
