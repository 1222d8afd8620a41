using System.Diagnostics;

namespace OrleansTenants.Postgres.Embedded;

/// <summary>Runs a short-lived command (initdb, pg_ctl, chown) and captures its output.</summary>
internal static class ProcessRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The postgres account may not be allowed into the caller's working directory.
            WorkingDirectory = "/",
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, (await output + await error).Trim());
    }

    public static async Task<string> RunCheckedAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(command, cancellationToken);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"'{string.Join(' ', command)}' failed with exit code {exitCode}: {output}");
    }
}
