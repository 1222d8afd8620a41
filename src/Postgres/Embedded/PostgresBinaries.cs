using System.Diagnostics;
using System.Globalization;

namespace OrleansTenants.Postgres.Embedded;

/// <summary>Finds the directory holding the PostgreSQL server programs.</summary>
public static class PostgresBinaries
{
    private const string DebianInstallRoot = "/usr/lib/postgresql";

    internal static IReadOnlyList<string> RequiredPrograms { get; } = ["postgres", "initdb", "pg_ctl"];

    /// <summary>
    /// Returns the first directory holding postgres, initdb and pg_ctl among <paramref name="searchDirectories"/>,
    /// or by default: the PATH, <c>pg_config --bindir</c>, then <c>/usr/lib/postgresql/*/bin</c> (highest version first).
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">No such directory; the message says what to install.</exception>
    public static string Locate(IReadOnlyList<string>? searchDirectories = null)
    {
        var searched = new List<string>();
        foreach (var directory in searchDirectories ?? DefaultSearchDirectories())
        {
            searched.Add(directory);
            if (RequiredPrograms.All(program => File.Exists(Path.Combine(directory, program))))
            {
                return directory;
            }
        }

        throw new PostgresBinariesNotFoundException(searched);
    }

    // Lazy, so that pg_config only runs when the PATH has no server.
    private static IEnumerable<string> DefaultSearchDirectories()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in path)
        {
            yield return directory;
        }

        if (PgConfigBinDirectory(path) is { } configured)
        {
            yield return configured;
        }

        if (Directory.Exists(DebianInstallRoot))
        {
            foreach (var version in Directory.GetDirectories(DebianInstallRoot).OrderByDescending(VersionOf))
            {
                yield return Path.Combine(version, "bin");
            }
        }
    }

    // Debian names these directories by major version: "15", "9.6".
    private static double VersionOf(string directory) =>
        double.TryParse(Path.GetFileName(directory), NumberStyles.Float, CultureInfo.InvariantCulture, out var version) ? version : -1;

    private static string? PgConfigBinDirectory(IEnumerable<string> path)
    {
        var pgConfig = path.Select(directory => Path.Combine(directory, "pg_config")).FirstOrDefault(File.Exists);
        if (pgConfig is null)
        {
            return null;
        }

        using var process = Process.Start(new ProcessStartInfo(pgConfig, "--bindir") { RedirectStandardOutput = true, UseShellExecute = false });
        if (process is null)
        {
            return null;
        }

        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && output.Length > 0 ? output : null;
    }
}
