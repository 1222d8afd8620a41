using System.Diagnostics;
using FluentAssertions;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Postgres.Tests.Embedded;

public sealed class OrphanTests
{
    private static readonly string ProbeAssembly = Path.Combine(AppContext.BaseDirectory, "OrleansTenants.EmbeddedPostgresProbe.dll");

    [Fact]
    public async Task Server_stops_when_its_host_process_is_killed()
    {
        using var root = new TemporaryDirectory();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ProbeAssembly);
        info.ArgumentList.Add(root.Path);
        using var probe = Process.Start(info)!;
        try
        {
            var line = await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            line.Should().NotBeNull("the probe should print its server's pid and port; it wrote: {0}", line is null ? await probe.StandardError.ReadToEndAsync() : "");
            var parts = line!.Split(' ');
            var (serverPid, port) = (int.Parse(parts[0]), int.Parse(parts[1]));
            ProcessState.IsAlive(serverPid).Should().BeTrue();

            probe.Kill(); // SIGKILL: none of the probe's own shutdown code runs.
            await probe.WaitForExitAsync();

            await ProcessState.WaitUntilGoneAsync(serverPid, TimeSpan.FromSeconds(30));
            (await ProcessState.AcceptsConnectionsAsync(port)).Should().BeFalse();
        }
        finally
        {
            if (!probe.HasExited)
            {
                probe.Kill(entireProcessTree: true);
            }
        }
    }
}
