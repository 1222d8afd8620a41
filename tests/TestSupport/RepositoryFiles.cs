using System.Runtime.CompilerServices;

namespace OrleansTenants.TestSupport;

/// <summary>The repository's own files (scripts, README, project files), found from this source file's path.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        var directory = Path.GetDirectoryName(sourceFile);
        while (directory is not null && !File.Exists(Path.Combine(directory, "OrleansTenants.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException($"No OrleansTenants.sln above {sourceFile}.");
    }
}
