using FluentAssertions;
using OrleansTenants.Api.Admin;
using OrleansTenants.Api.Http;
using Xunit;

namespace OrleansTenants.Api.Tests;

public sealed class OptionsValidatorTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("0123456789abcdef", true)]
    [InlineData("0123456789abcde", false)]
    public void An_admin_key_when_set_has_at_least_16_characters_and_is_never_echoed(string? key, bool valid)
    {
        var result = new AdminOptionsValidator().Validate(null, new AdminOptions { ApiKey = key });

        result.Succeeded.Should().Be(valid);
        if (!valid)
        {
            result.FailureMessage.Should().Contain("Admin:ApiKey").And.NotContain(key!);
        }
    }

    [Theory]
    [InlineData(1024, true)]
    [InlineData(1023, false)]
    public void The_body_limit_is_at_least_a_kilobyte(int maxBodyBytes, bool valid) =>
        new ApiOptionsValidator().Validate(null, new ApiOptions { MaxBodyBytes = maxBodyBytes }).Succeeded.Should().Be(valid);
}
