using OrleansTenants.TestSupport;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>A test silo in its own process, so a test can kill it with SIGKILL as an operator's bad day would.</summary>
internal sealed class ChildSilo(string name, DotnetProcess process) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string Output => process.Output;

    public static ChildSilo Start(string name, string connectionString) =>
        new(name, DotnetProcess.Start("OrleansTenants.TestSiloHost.dll",
        [
            $"--Silo:ConnectionString={connectionString}",
            $"--Silo:SiloName={name}",
            "--Silo:HeartbeatPeriod=00:00:00.500",
            "--Silo:ProbePeriod=00:00:00.500",
            "--Silo:DeathTimeout=00:00:03",
            "--Logging:LogLevel:Default=Warning",
        ]));

    public void Kill() => process.Signal(Signals.SigKill);

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
