using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Grains.DataCopy;
using Xunit;

namespace OrleansTenants.Grains.Tests.DataCopy;

/// <summary>A slow initial copy goes on; one that does nothing more for longer than the limit is stalled.</summary>
public sealed class CopyProgressWatchTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_copy_that_keeps_moving_however_slowly_is_not_stalled()
    {
        var watch = new CopyProgressWatch(Limit, _time);
        for (var rows = 0; rows < 5; rows++)
        {
            watch.Stalled(Progress(tables: 0, rows)).Should().BeFalse();
            _time.Advance(Limit - TimeSpan.FromSeconds(1));
        }

        // A table done with no row more counts as progress too.
        watch.Stalled(Progress(tables: 1, rows: 4)).Should().BeFalse();
    }

    [Fact]
    public void A_copy_with_nothing_more_done_past_the_limit_is_stalled()
    {
        var watch = new CopyProgressWatch(Limit, _time);
        watch.Stalled(Progress(tables: 3, rows: 100)).Should().BeFalse();
        _time.Advance(Limit);
        watch.Stalled(Progress(tables: 3, rows: 100)).Should().BeFalse("at the limit, not past it");
        _time.Advance(TimeSpan.FromSeconds(1));
        watch.Stalled(Progress(tables: 3, rows: 100)).Should().BeTrue();
    }

    private static ReplicationProgress Progress(int tables, long rows) =>
        new(tables, 16, LagBytes: 0, LagSeconds: null, [new TableRows("accounts", rows)]);
}
