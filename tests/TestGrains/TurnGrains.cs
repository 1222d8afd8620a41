using System.Collections.Concurrent;
using OrleansTenants.Runtime;

namespace OrleansTenants.TestGrains;

/// <summary>Calls that hold their turn until the test releases them, so overlap can be observed, not guessed.</summary>
public interface ITurnGrain : IGrainWithStringKey
{
    Task ExclusiveAsync(string gate);

    [AlwaysInterleave]
    Task InterleavedAsync(string gate);
}

[MaxInterleavedCalls(3)]
public sealed class TurnGrain : Grain, ITurnGrain
{
    public Task ExclusiveAsync(string gate) => TurnProbe.RunAsync(GetPrimaryKeyString(), gate, exclusive: true);

    public Task InterleavedAsync(string gate) => TurnProbe.RunAsync(GetPrimaryKeyString(), gate, exclusive: false);
}

public static class TurnProbe
{
    private static readonly ConcurrentDictionary<string, Tracker> Trackers = new();

    public static Tracker For(string key) => Trackers.GetOrAdd(key, _ => new Tracker());

    internal static async Task RunAsync(string key, string gate, bool exclusive)
    {
        var tracker = For(key);
        tracker.Enter(exclusive);
        try
        {
            await tracker.Gate(gate).Task;
        }
        finally
        {
            tracker.Leave(exclusive);
        }
    }

    /// <summary>Counts who is inside, remembers the peaks, and holds calls until their named gate opens.</summary>
    public sealed class Tracker
    {
        private readonly Lock _lock = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private bool _exclusiveInside;

        public int MaxInside { get; private set; }

        /// <summary>Times a call entered while another was inside with an exclusive call among them.</summary>
        public int ExclusiveOverlaps { get; private set; }

        public int Inside
        {
            get
            {
                lock (_lock)
                {
                    return _inside;
                }
            }
        }

        public TaskCompletionSource Gate(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Open(string name) => Gate(name).TrySetResult();

        /// <summary>Completes once <paramref name="condition"/> holds for the number of calls inside.</summary>
        public async Task WaitUntilAsync(Func<int, bool> condition, TimeSpan timeout)
        {
            using var cancellation = new CancellationTokenSource(timeout);
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (condition(_inside))
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(cancellation.Token);
            }
        }

        internal void Enter(bool exclusive)
        {
            lock (_lock)
            {
                if (_inside > 0 && (exclusive || _exclusiveInside))
                {
                    ExclusiveOverlaps++;
                }

                _inside++;
                _exclusiveInside |= exclusive;
                MaxInside = Math.Max(MaxInside, _inside);
                Signal();
            }
        }

        internal void Leave(bool exclusive)
        {
            lock (_lock)
            {
                _inside--;
                if (exclusive)
                {
                    _exclusiveInside = false;
                }

                Signal();
            }
        }

        private void Signal()
        {
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
