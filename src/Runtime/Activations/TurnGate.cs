namespace OrleansTenants.Runtime.Activations;

/// <summary>
/// Admits calls to one activation in arrival order: an exclusive call runs alone; interleaving calls run
/// together up to a bound, never beside an exclusive one. A waiting exclusive call holds back the
/// interleaving calls that arrived after it, so lifecycle work is not starved by a stream of queries.
/// </summary>
internal sealed class TurnGate(int maxInterleaved)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private int _runningInterleaved;
    private bool _runningExclusive;
    private bool _closed;
    private TaskCompletionSource? _drained;

    /// <summary>Raised after a call leaves and nothing runs or waits any more.</summary>
    public event Action? Idle;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _runningInterleaved + (_runningExclusive ? 1 : 0);
            }
        }
    }

    /// <summary>Waits for a turn; throws <see cref="ActivationGoneException"/> once the gate is closed.</summary>
    public async ValueTask<Turn> EnterAsync(bool exclusive, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_closed)
            {
                throw new ActivationGoneException();
            }

            if (_queue.Count == 0 && CanRun(exclusive))
            {
                MarkRunning(exclusive);
                return new Turn(this, exclusive);
            }

            waiter = new Waiter(exclusive);
            waiter.Node = _queue.AddLast(waiter);
        }

        await using (cancellationToken.Register(() => Cancel(waiter, cancellationToken)))
        {
            await waiter.Admitted.Task;
        }

        return new Turn(this, exclusive);
    }

    /// <summary>
    /// Closes the gate: waiting calls fail with <see cref="ActivationGoneException"/> (to be delivered to the next
    /// activation) and the returned task completes when the running calls have finished.
    /// </summary>
    public Task CloseAndDrainAsync()
    {
        List<Waiter> rejected;
        lock (_lock)
        {
            _closed = true;
            rejected = [.. _queue];
            _queue.Clear();
            foreach (var waiter in rejected)
            {
                waiter.Node = null;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_runningInterleaved == 0 && !_runningExclusive)
            {
                _drained.TrySetResult();
            }
        }

        foreach (var waiter in rejected)
        {
            waiter.Admitted.TrySetException(new ActivationGoneException());
        }

        return _drained.Task;
    }

    private void Leave(bool exclusive)
    {
        List<Waiter> admitted = [];
        bool raiseIdle;
        lock (_lock)
        {
            if (exclusive)
            {
                _runningExclusive = false;
            }
            else
            {
                _runningInterleaved--;
            }

            AdmitLocked(admitted);
            var idle = _runningInterleaved == 0 && !_runningExclusive && _queue.Count == 0;
            if (idle && _closed)
            {
                _drained?.TrySetResult();
            }

            // Read under the lock: a gate closed meanwhile belongs to a deactivating activation, which must not be refiled.
            raiseIdle = idle && !_closed;
        }

        Admit(admitted);
        if (raiseIdle)
        {
            Idle?.Invoke();
        }
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        List<Waiter> admitted = [];
        lock (_lock)
        {
            if (waiter.Node is null)
            {
                return;
            }

            _queue.Remove(waiter.Node);
            waiter.Node = null;

            // A cancelled exclusive waiter no longer holds back the interleaving calls queued behind it.
            AdmitLocked(admitted);
        }

        waiter.Admitted.TrySetCanceled(cancellationToken);
        Admit(admitted);
    }

    private void AdmitLocked(List<Waiter> admitted)
    {
        while (_queue.First is { } head && CanRun(head.Value.Exclusive))
        {
            _queue.RemoveFirst();
            head.Value.Node = null;
            MarkRunning(head.Value.Exclusive);
            admitted.Add(head.Value);
        }
    }

    private static void Admit(List<Waiter> admitted)
    {
        foreach (var waiter in admitted)
        {
            waiter.Admitted.TrySetResult();
        }
    }

    private bool CanRun(bool exclusive) =>
        !_runningExclusive && (exclusive ? _runningInterleaved == 0 : _runningInterleaved < maxInterleaved);

    private void MarkRunning(bool exclusive)
    {
        if (exclusive)
        {
            _runningExclusive = true;
        }
        else
        {
            _runningInterleaved++;
        }
    }

    private sealed class Waiter(bool exclusive)
    {
        public bool Exclusive { get; } = exclusive;

        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }

    /// <summary>A granted turn; disposing it lets the next call in.</summary>
    public readonly struct Turn(TurnGate gate, bool exclusive) : IDisposable
    {
        public void Dispose() => gate.Leave(exclusive);
    }
}
