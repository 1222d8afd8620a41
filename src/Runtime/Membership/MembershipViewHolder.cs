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

    /// <summary>
    /// What a membership loop waits for before its next read: the period, or sooner when a caller asked for a fresh
    /// view. After a failed read it waits the whole period, so callers asking again and again cannot turn an
    /// unreachable database into a busy loop. The request it woke for is consumed; one made during the read wakes the next wait.
    /// </summary>
    public async Task WaitForNextReadAsync(TimeSpan period, bool lastReadFailed, TimeProvider time, CancellationToken cancellationToken)
    {
        Task requested;
        lock (_lock)
        {
            requested = _refreshRequested.Task;
        }

        var delay = Task.Delay(period, time, cancellationToken);
        await (lastReadFailed ? delay : Task.WhenAny(delay, requested)).ContinueWith(static _ => { }, TaskScheduler.Default);
        lock (_lock)
        {
            if (_refreshRequested.Task.IsCompleted)
            {
                _refreshRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
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
