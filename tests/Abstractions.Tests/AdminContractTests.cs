using FluentAssertions;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using Xunit;

namespace OrleansTenants.Abstractions.Tests;

public sealed class AdminContractTests
{
    [Fact]
    public void An_issued_key_is_left_out_of_its_text_form()
    {
        var view = new ApiKeyView(Guid.NewGuid(), "otk_secret-value");

        view.ToString().Should().Contain(view.Id.ToString()).And.NotContain("secret-value");
    }

    [Theory]
    [InlineData(TenantMoveStatuses.Pending, true)]
    [InlineData(TenantMoveStatuses.Running, true)]
    [InlineData(TenantMoveStatuses.Completed, false)]
    [InlineData(TenantMoveStatuses.Failed, false)]
    [InlineData(TenantMoveStatuses.Cancelled, false)]
    public void A_move_status_is_either_open_or_finished(string status, bool open)
    {
        TenantMoveStatuses.IsOpen(status).Should().Be(open);
        TenantMoveStatuses.IsFinished(status).Should().Be(!open);
    }

    [Fact]
    public void An_unknown_status_is_neither_open_nor_finished()
    {
        TenantMoveStatuses.IsOpen("paused").Should().BeFalse();
        TenantMoveStatuses.IsFinished("paused").Should().BeFalse();
    }
}
