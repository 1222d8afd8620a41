using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace OrleansTenants.Catalog.Secrets;

/// <summary>
/// The embedded default's master key: when no key is configured, the silo keeps a generated key
/// in a file under <c>./.data</c>, readable by the owner only.
/// File format: <c>{"activeKeyId":"...","keys":{"&lt;id&gt;":"&lt;base64&gt;"}}</c>.
/// </summary>
public static partial class EncryptionKeyFile
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        // A "keys": null in a hand-edited file becomes a JsonException, not a null dictionary.
        RespectNullableAnnotations = true,
        WriteIndented = true,
    };

    /// <summary>Reads the key file at <paramref name="path"/>, creating it with a fresh key if it does not exist.</summary>
    public static EncryptionKeyFileResult LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return new EncryptionKeyFileResult(Read(path), Created: false);
        }

        var options = Generate();
        // Several silos on one machine share ./.data: write a private temp file, then publish it with link(2), which
        // fails if the name exists, so exactly one generated key wins and nobody reads a partial file. (File.Move
        // without overwrite checks and renames in two steps, and two creators can both succeed.)
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tempPath = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(tempPath, CreateNewOwnerOnly()))
            {
                JsonSerializer.Serialize(stream, options, JsonOptions);
            }

            return Publish(tempPath, path)
                ? new EncryptionKeyFileResult(options, Created: true)
                : new EncryptionKeyFileResult(Read(path), Created: false);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    /// <summary>Gives <paramref name="tempPath"/>'s file the name <paramref name="path"/>; false when that name was taken first.</summary>
    private static bool Publish(string tempPath, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(tempPath, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }

        if (Link(tempPath, path) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == AlreadyExists
            ? false
            : throw new IOException($"Could not create the encryption key file '{path}' (errno {errno}).");
    }

    private const int AlreadyExists = 17; // EEXIST

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);

    private static EncryptionOptions Generate()
    {
        var keyId = "k" + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
            + "-" + RandomNumberGenerator.GetHexString(6, lowercase: true);
        return new EncryptionOptions
        {
            ActiveKeyId = keyId,
            Keys = { [keyId] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(EncryptionOptionsValidator.KeySizeBytes)) },
        };
    }

    private static EncryptionOptions Read(string path)
    {
        EncryptionOptions? options;
        try
        {
            using var stream = File.OpenRead(path);
            options = JsonSerializer.Deserialize<EncryptionOptions>(stream, JsonOptions);
        }
        catch (JsonException ex)
        {
            // JsonException messages give the JSON path and position, never the values.
            throw new InvalidOperationException($"Encryption key file '{path}' is not valid JSON.", ex);
        }

        var errors = options is null ? ["the file is empty"] : EncryptionOptionsValidator.GetErrors(options);
        return errors.Count == 0
            ? options!
            : throw new InvalidOperationException($"Encryption key file '{path}' is invalid: {string.Join(" ", errors)}");
    }

    private static FileStreamOptions CreateNewOwnerOnly()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation so the key is never readable by others, not even briefly.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }
}
