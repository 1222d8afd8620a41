using System.Collections;

namespace OrleansTenants.Cli;

/// <summary>
/// What one run of the CLI sees of its process: where it writes, its environment variables and its working
/// directory. Tests pass their own, so runs in one test process do not share state.
/// </summary>
internal sealed record CliContext(
    TextWriter Output,
    TextWriter Error,
    IReadOnlyDictionary<string, string?> Environment,
    string WorkingDirectory)
{
    public const string UrlVariable = "OT_URL";
    public const string AdminKeyVariable = "OT_ADMIN_KEY";
    public const string DefaultUrl = "http://localhost:5000";

    /// <summary>The embedded default's admin key file, relative to the working directory.</summary>
    public const string AdminKeyFile = ".data/admin-api-key";

    /// <summary>The embedded default's encryption key file, relative to the working directory.</summary>
    public const string EncryptionKeyFile = ".data/encryption-keys.json";

    public static CliContext FromProcess(TextWriter output, TextWriter error)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = entry.Value as string;
        }

        return new CliContext(output, error, environment, Directory.GetCurrentDirectory());
    }

    /// <summary>The variable's value, or null when it is unset or empty.</summary>
    public string? Variable(string name) =>
        Environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    public string ResolvePath(string relative) => Path.GetFullPath(Path.Combine(WorkingDirectory, relative));
}
