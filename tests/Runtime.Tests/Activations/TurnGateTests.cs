using FluentAssertions;
using OrleansTenants.Runtime.Activations;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Activations;

/// <summary>Guarantee 2 at the gate itself, where waiting calls are cancelled and the gate closes.</summary>
public sealed class TurnGateTests
{
    [Fact]
    public async Task Cancelling_a_queued_exclusive_call_admits_the_interleaving_calls_it_held_back()
    {
        var gate = new TurnGate(maxInterleaved: 3);
        using var running = await gate.EnterAsync(exclusive: false, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        var exclusive = gate.EnterAsync(exclusive: true, cancellation.Token).AsTask();
        var behind = gate.EnterAsync(exclusive: false, CancellationToken.None).AsTask();
        behind.IsCompleted.Should().BeFalse("an interleaving call does not pass a waiting exclusive one");

        await cancellation.CancelAsync();

        await exclusive.Invoking(e => e).Should().ThrowAsync<OperationCanceledException>();
        (await behind.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        gate.Running.Should().Be(1);
    }

    [Fact]
    public async Task Cancelling_a_call_rejected_by_a_closing_gate_is_harmless()
    {
        var gate = new TurnGate(maxInterleaved: 1);
        var running = await gate.EnterAsync(exclusive: true, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        var waiting = gate.EnterAsync(exclusive: true, cancellation.Token).AsTask();
        var drained = gate.CloseAndDrainAsync();

        await cancellation.CancelAsync();

        await waiting.Invoking(w => w).Should().ThrowAsync<ActivationGoneException>();
        drained.IsCompleted.Should().BeFalse();
        running.Dispose();
        await drained.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
