using System.Buffers.Text;
using FluentAssertions;
using OrleansTenants.Catalog.Secrets;
using Xunit;

namespace OrleansTenants.Catalog.Tests.Secrets;

public class SecretProtectorTests
{
    private const string Password = "Host=db;Password=correct-horse-battery";

    private static readonly string Key1 = SecretTestKeys.NewKey();
    private static readonly SecretScope Acme = SecretScope.ForTenant("acme");

    private readonly SecretProtector _protector = SecretTestKeys.Protector(null, ("k1", Key1));

    [Theory]
    [InlineData(Password)]
    [InlineData("")]
    [InlineData("Pässwörd ✓ 密码 🔑")]
    public void Unprotect_returns_what_was_protected(string plaintext)
    {
        var envelope = _protector.Protect(plaintext, Acme);

        _protector.Unprotect(envelope, Acme).Should().Be(plaintext);
    }

    [Fact]
    public void Envelope_names_the_key_and_hides_the_plaintext()
    {
        var envelope = _protector.Protect(Password, Acme);

        envelope.Should().StartWith("v1:k1:");
        envelope.Should().NotContain("correct-horse");
        _protector.GetKeyId(envelope).Should().Be("k1");
        _protector.ActiveKeyId.Should().Be("k1");
    }

    [Fact]
    public void Same_value_encrypts_differently_each_time()
    {
        _protector.Protect(Password, Acme).Should().NotBe(_protector.Protect(Password, Acme));
    }

    [Theory]
    [InlineData(0)] // nonce
    [InlineData(11)] // nonce
    [InlineData(12)] // ciphertext
    [InlineData(20)] // ciphertext
    [InlineData(-1)] // tag (counted from the end)
    [InlineData(-16)] // tag
    public void Flipped_payload_byte_is_rejected(int index)
    {
        var envelope = _protector.Protect(Password, Acme);
        var payload = Base64Url.DecodeFromChars(envelope.AsSpan("v1:k1:".Length));
        payload[index < 0 ? payload.Length + index : index] ^= 0x01;
        var tampered = "v1:k1:" + Base64Url.EncodeToString(payload);

        var act = () => _protector.Unprotect(tampered, Acme);

        var ex = act.Should().Throw<SecretDecryptionException>()
            .WithMessage("*tenant 'acme'*key 'k1'*wrong key, tampered value, or a value that belongs to another record*").Which;
        ex.ShouldNotContainAny(Password, Key1, tampered["v1:k1:".Length..]);
    }

    [Fact]
    public void Changed_key_id_in_the_header_is_rejected()
    {
        var key2 = SecretTestKeys.NewKey();
        var protector = SecretTestKeys.Protector("k1", ("k1", Key1), ("k2", key2));
        var envelope = protector.Protect(Password, Acme);
        var relabelled = "v1:k2:" + envelope["v1:k1:".Length..];

        var act = () => protector.Unprotect(relabelled, Acme);

        act.Should().Throw<SecretDecryptionException>().WithMessage("*key 'k2'*")
            .Which.ShouldNotContainAny(Password, Key1, key2);
    }

    [Fact]
    public void Wrong_key_with_the_same_id_is_rejected()
    {
        var envelope = _protector.Protect(Password, Acme);
        var otherKey = SecretTestKeys.NewKey();
        var other = SecretTestKeys.Protector(null, ("k1", otherKey));

        var act = () => other.Unprotect(envelope, Acme);

        act.Should().Throw<SecretDecryptionException>().WithMessage("*could not be decrypted*key 'k1'*")
            .Which.ShouldNotContainAny(Password, Key1, otherKey);
    }

    [Fact]
    public void Value_moved_to_another_tenant_is_rejected()
    {
        var envelope = _protector.Protect(Password, Acme);

        var act = () => _protector.Unprotect(envelope, SecretScope.ForTenant("globex"));

        act.Should().Throw<SecretDecryptionException>().WithMessage("*tenant 'globex'*belongs to another record*")
            .Which.ShouldNotContainAny(Password, Key1);
    }

    [Fact]
    public void Value_moved_from_tenant_scope_to_database_scope_is_rejected()
    {
        var envelope = _protector.Protect(Password, Acme);

        var act = () => _protector.Unprotect(envelope, SecretScope.ForDatabase("acme"));

        act.Should().Throw<SecretDecryptionException>().WithMessage("*database 'acme'*")
            .Which.ShouldNotContainAny(Password, Key1);
    }

    [Fact]
    public void Database_scope_round_trips()
    {
        var scope = SecretScope.ForDatabase("shard-01");

        _protector.Unprotect(_protector.Protect(Password, scope), scope).Should().Be(Password);
    }

    [Theory]
    [InlineData(Password)] // plaintext stored by mistake: must not be echoed back
    [InlineData("v1:k1")]
    [InlineData("v1:k1:not*base64url")]
    [InlineData("v1:k1:AAAA")] // too short to hold nonce and tag
    [InlineData("v1:bad id:AAAA")]
    public void Malformed_envelope_is_rejected_without_echoing_it(string envelope)
    {
        var act = () => _protector.Unprotect(envelope, Acme);

        act.Should().Throw<SecretDecryptionException>().WithMessage("The stored secret for tenant 'acme' *")
            .Which.ShouldNotContainAny(Password, Key1, "not*base64url");
    }

    [Fact]
    public void Unknown_format_version_is_named()
    {
        var envelope = "v2" + _protector.Protect(Password, Acme)[2..];

        var act = () => _protector.Unprotect(envelope, Acme);

        act.Should().Throw<SecretDecryptionException>().WithMessage("*format version 'v2'*not supported*");
    }

    [Fact]
    public void GetKeyId_rejects_a_value_that_is_not_an_envelope()
    {
        var act = () => _protector.GetKeyId(Password);

        act.Should().Throw<SecretDecryptionException>().WithMessage("The value is not in a recognised format*")
            .Which.ShouldNotContainAny(Password);
    }

    [Fact]
    public void Unpaired_surrogate_is_refused_rather_than_altered()
    {
        var act = () => _protector.Protect("secret\uD800", Acme);

        act.Should().Throw<ArgumentException>().Which.Message.Should().NotContain("secret");
    }

    [Fact]
    public void Scope_describes_itself_for_error_messages()
    {
        SecretScope.ForTenant("acme").ToString().Should().Be("tenant 'acme'");
        SecretScope.ForDatabase("main").ToString().Should().Be("database 'main'");
        SecretScope.ForTenant("acme").Should().Be(SecretScope.ForTenant("acme"));
    }
}
