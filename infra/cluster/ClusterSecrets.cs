using System.Globalization;
using System.Security.Cryptography;
using OrleansTenants.Catalog.Secrets;

namespace OrleansTenants.ClusterLauncher;

/// <summary>
/// What every process of one cluster must share: the admin API key and the master keys that encrypt connection
/// settings. Generated once into the cluster's data directory (files of mode 0600) and reused on later starts.
/// </summary>
public sealed class ClusterSecrets
{
    public const string AdminKeyFileName = "admin-api-key";
    public const string EncryptionKeyFileName = "encryption-keys.json";

    private ClusterSecrets(string adminApiKey, EncryptionOptions encryption, string adminKeyFile)
    {
        AdminApiKey = adminApiKey;
        Encryption = encryption;
        AdminKeyFile = adminKeyFile;
    }

    public string AdminApiKey { get; }

    public EncryptionOptions Encryption { get; }

    public string AdminKeyFile { get; }

    public static ClusterSecrets LoadOrCreate(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var keyFile = Path.Combine(dataDirectory, EncryptionKeyFileName);
        if (!File.Exists(keyFile))
        {
            // The file format of EncryptionKeyFile, with a key id that is also a valid shell variable name part
            // (the nodes get their keys as Encryption__Keys__<id> through a /bin/sh wrapper, which drops other names).
            var id = "k" + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "_" + RandomNumberGenerator.GetHexString(6, lowercase: true);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            PrivateFile.CreateUnlessExists(keyFile, "{\"activeKeyId\": \"" + id + "\", \"keys\": {\"" + id + "\": \"" + key + "\"}}");
        }

        PrivateFile.Restrict(keyFile);
        var encryption = EncryptionKeyFile.LoadOrCreate(keyFile).Options;
        var adminKeyFile = Path.Combine(dataDirectory, AdminKeyFileName);
        return new ClusterSecrets(LoadOrCreateAdminKey(adminKeyFile), encryption, adminKeyFile);
    }

    /// <summary>As the environment variables the silos and the Api read (<c>Admin__ApiKey</c>, <c>Encryption__*</c>).</summary>
    public Dictionary<string, string?> ToEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Admin__ApiKey"] = AdminApiKey,
            ["Encryption__ActiveKeyId"] = Encryption.ActiveKeyId ?? Encryption.Keys.Keys.Single(),
        };
        foreach (var (id, key) in Encryption.Keys)
        {
            environment[$"Encryption__Keys__{id}"] = key;
        }

        return environment;
    }

    private static string LoadOrCreateAdminKey(string path)
    {
        if (File.Exists(path))
        {
            PrivateFile.Restrict(path);
            return File.ReadAllText(path).Trim();
        }

        var key = "ota_" + RandomNumberGenerator.GetHexString(48, lowercase: true);
        PrivateFile.CreateUnlessExists(path, key);
        return File.ReadAllText(path).Trim();
    }
}

/// <summary>Files only their owner may read, created with that mode (never briefly readable by others).</summary>
public static class PrivateFile
{
    /// <summary>Creates the file unless it exists (a concurrent creator wins, and its content stays).</summary>
    public static void CreateUnlessExists(string path, string content)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Write(temp, content);
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Someone else created it first.
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Sets an existing file's mode to 0600 if others may read or write it (a copy, an archive or an umask may have
    /// loosened it); fails with a clear message when that is not allowed (say, the file belongs to someone else).
    /// </summary>
    public static void Restrict(string path)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (OperatingSystem.IsWindows() || !File.Exists(path) || (File.GetUnixFileMode(path) & ~Private) == 0)
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(path, Private);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException($"{path} holds secrets and others may access it, but its mode cannot be set to 0600 ({ex.Message}); fix its owner or mode.", ex);
        }
    }

    /// <summary>Writes (replacing) the file with mode 0600.</summary>
    public static void Write(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            // FileMode.Create keeps the mode of a file that already existed.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
