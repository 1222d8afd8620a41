using FluentAssertions;
using OrleansTenants.Abstractions.Crm;
using Xunit;

namespace OrleansTenants.Crm.Tests;

/// <summary>Parsing of list parameters: limit, sort, filters and unknown parameters (cursors: <see cref="CrmCursorTests"/>).</summary>
public sealed class ListQueryTests
{
    private static readonly ResourceDefinition Accounts = CrmResources.Get("accounts");

    [Fact]
    public void Defaults_are_limit_50_and_the_resources_default_sort()
    {
        var query = ListQuery.Parse(Accounts, new Dictionary<string, string?>());

        query.Limit.Should().Be(50);
        query.Sort.Should().Be("createdAt");
        query.Descending.Should().BeFalse();
        query.Filters.Should().BeEmpty();
        query.HasCursor.Should().BeFalse();
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("500", 500)]
    [InlineData("007", 7)]
    public void Limits_from_1_to_500_are_accepted(string limit, int expected) =>
        Parse(Accounts, ("limit", limit)).Limit.Should().Be(expected);

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("5.0")]
    [InlineData("ten")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("99999999999999999999")]
    public void Other_limits_are_refused(string? limit) =>
        ShouldFail(Accounts, "limit", "from 1 to 500", ("limit", limit));

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Count_is_true_or_false(string count, bool expected) =>
        Parse(Accounts, ("count", count)).Count.Should().Be(expected);

    [Theory]
    [InlineData("True")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_counts_are_refused(string? count) =>
        ShouldFail(Accounts, "count", "true or false", ("count", count));

    [Theory]
    [InlineData("name", "name", false)]
    [InlineData("-name", "name", true)]
    [InlineData("-createdAt", "createdAt", true)]
    [InlineData("updatedAt", "updatedAt", false)]
    public void Sortable_fields_sort_either_way(string sort, string field, bool descending)
    {
        var query = Parse(Accounts, ("sort", sort));

        query.SortField.Name.Should().Be(field);
        query.Descending.Should().Be(descending);
        query.Sort.Should().Be(sort);
    }

    [Theory]
    [InlineData("website")]
    [InlineData("Name")]
    [InlineData("--name")]
    [InlineData("+name")]
    [InlineData("")]
    [InlineData("name,id")]
    [InlineData("id")]
    public void Other_sorts_are_refused_listing_the_sortable_fields(string sort) =>
        ShouldFail(Accounts, "sort", "createdAt, updatedAt, name", ("sort", sort));

    [Fact]
    public void Filters_are_parsed_by_the_fields_type()
    {
        var id = Guid.NewGuid();
        var query = Parse(CrmResources.Get("contact-accounts"), ("accountId", id.ToString()), ("isPrimary", "true"));

        query.Filters.Select(f => (f.Field.Name, f.Value)).Should().Equal(("accountId", (object)id), ("isPrimary", true));
    }

    [Theory]
    [InlineData("leads", "status", "hot", "must be one of: new, contacted, qualified, unqualified, converted")]
    [InlineData("contacts", "accountId", "12", "must be a UUID")]
    [InlineData("contact-accounts", "isPrimary", "yes", "must be true or false")]
    [InlineData("invoices", "currency", "usd", "ISO 4217")]
    [InlineData("accounts", "email", "", "needs a value")]
    [InlineData("accounts", "email", null, "needs a value")]
    [InlineData("accounts", "name", "Acme", "cannot be filtered on; filterable fields: industry, email")]
    [InlineData("accounts", "createdAt", "2025-01-01T00:00:00Z", "cannot be filtered on")]
    [InlineData("accounts", "nickname", "x", "is not a list parameter or a field of accounts")]
    [InlineData("accounts", "page", "2", "is not a list parameter")]
    public void Bad_filters_are_refused(string resource, string parameter, string? value, string reason) =>
        ShouldFail(CrmResources.Get(resource), parameter, reason, (parameter, value));

    [Fact]
    public void All_problems_are_reported_together()
    {
        var act = () => Parse(Accounts, ("limit", "0"), ("sort", "bogus"), ("x", "1"));

        act.Should().Throw<CrmValidationException>().Which.Errors.Select(e => e.Field).Should().BeEquivalentTo(["limit", "sort", "x"]);
    }

    private static ListQuery Parse(ResourceDefinition resource, params (string Name, string? Value)[] parameters) =>
        ListQuery.Parse(resource, parameters.ToDictionary(p => p.Name, p => p.Value));

    private static void ShouldFail(ResourceDefinition resource, string field, string reason, params (string Name, string? Value)[] parameters)
    {
        var act = () => Parse(resource, parameters);

        act.Should().Throw<CrmValidationException>().Which.Errors.Should().ContainSingle()
            .Which.Should().Match<CrmFieldError>(e => e.Field == field && e.Reason.Contains(reason, StringComparison.Ordinal));
    }
}
