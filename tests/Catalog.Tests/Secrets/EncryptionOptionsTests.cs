using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansTenants.Catalog.Secrets;
using Xunit;

namespace OrleansTenants.Catalog.Tests.Secrets;

public class EncryptionOptionsTests
{
    private readonly EncryptionOptionsValidator _validator = new();

    [Fact]
    public void Binds_from_the_Encryption_section_and_a_single_key_is_active()
    {
        var key = SecretTestKeys.NewKey();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Encryption:Keys:k1"] = key })
            .Build();
        var options = configuration.GetSection(EncryptionOptions.SectionName).Get<EncryptionOptions>()!;

        options.Keys.Should().Equal(new Dictionary<string, string> { ["k1"] = key });
        _validator.Validate(null, options).Succeeded.Should().BeTrue();
        new SecretProtector(Options.Create(options)).ActiveKeyId.Should().Be("k1");
    }

    [Fact]
    public void Several_keys_with_an_active_one_are_valid()
    {
        var options = SecretTestKeys.Options("k2", ("k1", SecretTestKeys.NewKey()), ("k2", SecretTestKeys.NewKey()));

        _validator.Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Key_that_is_not_base64_is_named_but_not_printed()
    {
        const string key = "this-is-not-base64!!";

        Failures(SecretTestKeys.Options(null, ("k1", key)))
            .Should().Contain("k1").And.Contain("not valid base64").And.NotContain(key);
    }

    [Fact]
    public void Key_of_31_bytes_is_named_but_not_printed()
    {
        var key = Convert.ToBase64String(new byte[31]);

        Failures(SecretTestKeys.Options(null, ("short", key)))
            .Should().Contain("'short'").And.Contain("exactly 32 bytes").And.Contain("31 bytes").And.NotContain(key);
    }

    [Fact]
    public void Unknown_active_key_is_named_but_keys_are_not_printed()
    {
        var key = SecretTestKeys.NewKey();

        Failures(SecretTestKeys.Options("k9", ("k1", key)))
            .Should().Contain("ActiveKeyId 'k9'").And.Contain("configured: k1").And.NotContain(key);
    }

    [Fact]
    public void Several_keys_without_an_active_one_are_invalid()
    {
        Failures(SecretTestKeys.Options(null, ("k1", SecretTestKeys.NewKey()), ("k2", SecretTestKeys.NewKey())))
            .Should().Contain("ActiveKeyId is required");
    }

    [Fact]
    public void No_keys_are_invalid()
    {
        Failures(new EncryptionOptions()).Should().Contain("No encryption keys are configured");
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:id")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33 characters
    public void Invalid_key_id_is_named(string keyId)
    {
        Failures(SecretTestKeys.Options(keyId, (keyId, SecretTestKeys.NewKey())))
            .Should().Contain($"key id '{keyId}' is invalid");
    }

    [Fact]
    public void Protector_refuses_invalid_options_without_printing_keys()
    {
        var key = Convert.ToBase64String(new byte[16]);

        var act = () => SecretTestKeys.Protector(null, ("k1", key));

        act.Should().Throw<OptionsValidationException>().WithMessage("*'k1'*32 bytes*")
            .Which.ShouldNotContainAny(key);
    }

    private string Failures(EncryptionOptions options)
    {
        var result = _validator.Validate(null, options);
        result.Failed.Should().BeTrue();
        return result.FailureMessage!;
    }
}
