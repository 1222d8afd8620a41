using FluentAssertions;
using OrleansTenants.Catalog.Secrets;
using Xunit;

namespace OrleansTenants.Catalog.Tests.Secrets;

public sealed class EncryptionKeyFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "secrets-tests-" + Guid.NewGuid().ToString("N"));

    private string KeyFilePath => Path.Combine(_directory, ".data", "encryption-keys.json");

    [Fact]
    public void Creates_a_usable_key_in_a_new_directory()
    {
        var result = EncryptionKeyFile.LoadOrCreate(KeyFilePath);

        result.Created.Should().BeTrue();
        File.Exists(KeyFilePath).Should().BeTrue();
        result.Options.ActiveKeyId.Should().MatchRegex("^k[0-9]{8}-[0-9a-f]{6}$");
        result.Options.Keys.Should().ContainSingle().Which.Key.Should().Be(result.Options.ActiveKeyId);
        Convert.FromBase64String(result.Options.Keys.Single().Value).Should().HaveCount(32);

        var protector = new SecretProtector(Microsoft.Extensions.Options.Options.Create(result.Options));
        var scope = SecretScope.ForTenant("acme");
        protector.Unprotect(protector.Protect("secret", scope), scope).Should().Be("secret");
        Directory.GetFiles(Path.GetDirectoryName(KeyFilePath)!).Should().ContainSingle("the temp file is cleaned up");
    }

    [Fact]
    public void File_is_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        EncryptionKeyFile.LoadOrCreate(KeyFilePath);

        File.GetUnixFileMode(KeyFilePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void Second_call_reuses_the_same_key()
    {
        var first = EncryptionKeyFile.LoadOrCreate(KeyFilePath);
        var second = EncryptionKeyFile.LoadOrCreate(KeyFilePath);

        second.Created.Should().BeFalse();
        second.Options.ActiveKeyId.Should().Be(first.Options.ActiveKeyId);
        second.Options.Keys.Should().Equal(first.Options.Keys);
    }

    [Fact]
    public void File_uses_the_documented_json_shape()
    {
        var created = EncryptionKeyFile.LoadOrCreate(KeyFilePath);

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(KeyFilePath));
        var keyId = json.RootElement.GetProperty("activeKeyId").GetString();
        keyId.Should().Be(created.Options.ActiveKeyId);
        json.RootElement.GetProperty("keys").GetProperty(keyId!).GetString()
            .Should().Be(created.Options.Keys[keyId!]);
    }

    [Fact]
    public void Invalid_file_is_reported_without_printing_the_key()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFilePath)!);
        var key = Convert.ToBase64String(new byte[20]);
        File.WriteAllText(KeyFilePath, $$$"""{"activeKeyId":"k1","keys":{"k1":"{{{key}}}"}}""");

        var act = () => EncryptionKeyFile.LoadOrCreate(KeyFilePath);

        act.Should().Throw<InvalidOperationException>().WithMessage("*encryption-keys.json*'k1'*32 bytes*")
            .Which.ShouldNotContainAny(key);
    }

    [Fact]
    public void Concurrent_first_calls_agree_on_one_key()
    {
        var results = Enumerable.Range(0, 8).AsParallel()
            .Select(_ => EncryptionKeyFile.LoadOrCreate(KeyFilePath))
            .ToList();

        results.Select(r => r.Options.Keys.Single().Value).Distinct().Should().ContainSingle();
        results.Count(r => r.Created).Should().Be(1);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
