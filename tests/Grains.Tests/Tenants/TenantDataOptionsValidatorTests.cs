using FluentAssertions;
using OrleansTenants.Grains.Tenants;
using Xunit;

namespace OrleansTenants.Grains.Tests.Tenants;

public sealed class TenantDataOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid() =>
        new TenantDataOptionsValidator().Validate(null, new TenantDataOptions()).Succeeded.Should().BeTrue();

    public static TheoryData<Action<TenantDataOptions>, string> Refused() => new()
    {
        { o => o.StatementTimeout = TimeSpan.Zero, "TenantData:StatementTimeout" },
        { o => o.CopyStallTimeout = TimeSpan.FromSeconds(-1), "TenantData:CopyStallTimeout" },
        { o => o.SharedPoolSize = 0, "TenantData:SharedPoolSize" },
        { o => o.QueueLimit = -1, "TenantData:QueueLimit" },
        { o => o.ExactCountCap = 0, "TenantData:ExactCountCap" },
        { o => o.BreakerMinimumThroughput = 1, "TenantData:BreakerMinimumThroughput" },
        { o => o.BreakerDuration = TimeSpan.FromMilliseconds(100), "TenantData:BreakerDuration" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_value_the_grains_cannot_run_with_is_refused_naming_its_key(Action<TenantDataOptions> change, string key)
    {
        var options = new TenantDataOptions();
        change(options);

        var result = new TenantDataOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(key);
    }
}
