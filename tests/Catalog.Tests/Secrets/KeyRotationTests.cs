using FluentAssertions;
using OrleansTenants.Catalog.Secrets;
using Xunit;

namespace OrleansTenants.Catalog.Tests.Secrets;

public class KeyRotationTests
{
    private const string Password = "Password=rotate-me-please";

    private static readonly SecretScope Acme = SecretScope.ForTenant("acme");

    private readonly string _oldKey = SecretTestKeys.NewKey();
    private readonly string _newKey = SecretTestKeys.NewKey();

    [Fact]
    public void Rotation_moves_values_to_the_new_key_and_the_old_key_can_then_be_removed()
    {
        var beforeRotation = SecretTestKeys.Protector("old", ("old", _oldKey), ("new", _newKey));
        var oldEnvelope = beforeRotation.Protect(Password, Acme);
        oldEnvelope.Should().StartWith("v1:old:");

        var duringRotation = SecretTestKeys.Protector("new", ("old", _oldKey), ("new", _newKey));
        duringRotation.ActiveKeyId.Should().Be("new");
        duringRotation.Unprotect(oldEnvelope, Acme).Should().Be(Password);
        duringRotation.IsProtectedWithActiveKey(oldEnvelope).Should().BeFalse();

        var newEnvelope = duringRotation.Reprotect(oldEnvelope, Acme);
        duringRotation.GetKeyId(newEnvelope).Should().Be("new");
        duringRotation.IsProtectedWithActiveKey(newEnvelope).Should().BeTrue();

        var afterRotation = SecretTestKeys.Protector(null, ("new", _newKey));
        afterRotation.Unprotect(newEnvelope, Acme).Should().Be(Password);

        var act = () => afterRotation.Unprotect(oldEnvelope, Acme);
        act.Should().Throw<SecretDecryptionException>().WithMessage("*tenant 'acme'*key 'old' is not configured*")
            .Which.ShouldNotContainAny(Password, _oldKey, _newKey);
    }

    [Fact]
    public void Malformed_value_is_not_under_the_active_key_and_Reprotect_names_its_record()
    {
        var protector = SecretTestKeys.Protector(null, ("new", _newKey));

        protector.IsProtectedWithActiveKey(Password).Should().BeFalse();
        var act = () => protector.Reprotect(Password, Acme);
        act.Should().Throw<SecretDecryptionException>().WithMessage("*tenant 'acme'*")
            .Which.ShouldNotContainAny(Password, _newKey);
    }

    [Fact]
    public void Reprotect_keeps_the_scope_binding()
    {
        var protector = SecretTestKeys.Protector("new", ("old", _oldKey), ("new", _newKey));
        var envelope = protector.Reprotect(protector.Protect(Password, Acme), Acme);

        var act = () => protector.Unprotect(envelope, SecretScope.ForTenant("globex"));

        act.Should().Throw<SecretDecryptionException>();
    }

    [Fact]
    public void Reprotect_of_a_value_for_another_record_fails_and_leaks_nothing()
    {
        var protector = SecretTestKeys.Protector("new", ("old", _oldKey), ("new", _newKey));
        var envelope = protector.Protect(Password, Acme);

        var act = () => protector.Reprotect(envelope, SecretScope.ForTenant("globex"));

        act.Should().Throw<SecretDecryptionException>().Which.ShouldNotContainAny(Password, _oldKey, _newKey);
    }
}
