using System.Security.Cryptography;
using FluentAssertions;
using OrleansTenants.Catalog.Secrets;

namespace OrleansTenants.Catalog.Tests.Secrets;

internal static class SecretTestKeys
{
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static EncryptionOptions Options(string? activeKeyId, params (string Id, string Key)[] keys)
    {
        var options = new EncryptionOptions { ActiveKeyId = activeKeyId };
        foreach (var (id, key) in keys)
        {
            options.Keys[id] = key;
        }

        return options;
    }

    public static SecretProtector Protector(string? activeKeyId, params (string Id, string Key)[] keys) =>
        new(Microsoft.Extensions.Options.Options.Create(Options(activeKeyId, keys)));

    /// <summary>Checks the whole exception, inner exceptions included, for leaked material.</summary>
    public static void ShouldNotContainAny(this Exception exception, params string[] secrets)
    {
        var text = exception.ToString();
        foreach (var secret in secrets)
        {
            text.Should().NotContain(secret);
        }
    }
}
