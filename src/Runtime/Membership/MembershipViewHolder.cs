namespace OrleansTenants.Runtime.Membership;

/// <summary>
/// Holds the latest view and wakes whoever waits for a newer one. The silo's and the client's membership
/// services both publish through it.
/// </summary>
internal sealed class MembershipViewHolder : IMembershipView
{
    private readonly Lock _lock = new();
    private MembershipView _current = MembershipView.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _refreshRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MembershipView Current => Volatile.Read(ref _current);

    /// <summary>Completes when some caller wants a fresh read; the membership loop waits on it between periods.</summary>
    public Task RefreshRequested
    {
        get
        {
            lock (_lock)
            {
                return _refreshRequested.Task;
            }
        }
    }

    public void Publish(MembershipView view)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (view.Version < _current.Version)
            {
                return;
            }

            _current = view;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_refreshRequested.Task.IsCompleted)
            {
                _refreshRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        changed.TrySetResult();
    }

    public async Task RefreshAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_lock)
        {
            changed = _changed.Task;
            _refreshRequested.TrySetResult();
        }

        await Task.WhenAny(changed, Task.Delay(maxWait, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }
}
