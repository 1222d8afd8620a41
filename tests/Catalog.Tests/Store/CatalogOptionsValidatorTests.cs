using FluentAssertions;
using OrleansTenants.Catalog.Store;
using Xunit;

namespace OrleansTenants.Catalog.Tests.Store;

public sealed class CatalogOptionsValidatorTests
{
    private const string Password = "s3cr3t-catalog-password";

    [Theory]
    [InlineData("", "is not configured")]
    [InlineData("   ", "is not configured")]
    [InlineData($"Database=catalog;Password={Password}", "names no Host")]
    [InlineData($"Host=db;Nonsense Key=1;Password={Password}", "is not a valid PostgreSQL connection string")]
    public void A_missing_or_unusable_catalog_connection_string_is_refused_without_echoing_it(string connectionString, string reason)
    {
        var result = new CatalogOptionsValidator().Validate(null, new CatalogOptions { ConnectionString = connectionString });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("ConnectionStrings:Catalog").And.Contain(reason).And.NotContain(Password);
    }

    [Fact]
    public void A_connection_string_naming_a_host_is_accepted() =>
        new CatalogOptionsValidator().Validate(null, new CatalogOptions { ConnectionString = $"Host=db;Database=catalog;Password={Password}" })
            .Succeeded.Should().BeTrue();
}
