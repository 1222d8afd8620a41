using FluentAssertions;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Placement;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Placement;

/// <summary>The locator's cache of grain owners stays bounded.</summary>
public sealed class GrainLocatorTests
{
    private static readonly SiloAddress SiloA = new("10.0.0.1:11111", 1);
    private static readonly SiloAddress SiloB = new("10.0.0.2:11111", 1);

    [Fact]
    public void A_membership_change_drops_the_entries_of_silos_that_are_no_longer_active()
    {
        var views = new MembershipViewHolder();
        views.Publish(View(1, SiloA, SiloB));
        var locator = new GrainLocator(views, new RendezvousPlacement(), new RuntimeCounters());
        for (var i = 0; i < 10; i++)
        {
            locator.Remember(new GrainId("counter", $"a-{i}"), SiloA);
            locator.Remember(new GrainId("counter", $"b-{i}"), SiloB);
        }

        locator.Locate(new GrainId("counter", "a-0")).Should().Be(SiloA);
        locator.Count.Should().Be(20);

        views.Publish(View(2, SiloA));
        locator.Locate(new GrainId("counter", "a-0")).Should().Be(SiloA);

        locator.Count.Should().Be(10, "the entries naming the silo that left are gone, not just skipped");
    }

    [Fact]
    public void The_cache_never_holds_more_than_its_bound()
    {
        var views = new MembershipViewHolder();
        views.Publish(View(1, SiloA));
        var locator = new GrainLocator(views, new RendezvousPlacement(), new RuntimeCounters(), maxEntries: 100);

        for (var i = 0; i < 1000; i++)
        {
            locator.Remember(new GrainId("counter", $"k-{i}"), SiloA);
            locator.Count.Should().BeLessThanOrEqualTo(100);
        }
    }

    private static MembershipView View(long version, params SiloAddress[] active) =>
        new(new MembershipSnapshot(version, [.. active.Select(a => new MembershipEntry(a, SiloStatus.Active, "silo", null, default, default, default, 0))]));
}
