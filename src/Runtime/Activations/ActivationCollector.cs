namespace OrleansTenants.Runtime.Activations;

/// <summary>
/// Files idle activations into time buckets by when they become collectable, so each scan looks only at
/// the buckets that are due instead of walking every activation. An activation that is used again is
/// moved to a later bucket; a due one that is not idle long enough yet is refiled by the activation manager.
/// </summary>
internal sealed class ActivationCollector(TimeSpan quantum)
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, HashSet<ActivationData>> _buckets = [];
    private readonly long _quantumTicks = quantum > TimeSpan.Zero ? quantum.Ticks : throw new ArgumentOutOfRangeException(nameof(quantum));

    /// <summary>
    /// Files the activation to become collectable at <paramref name="due"/> (rounded up to the quantum), unless it
    /// is no longer valid. Checked under the lock that <see cref="Remove"/> takes after deactivation has begun, so
    /// a deactivating activation is never left filed.
    /// </summary>
    public void Schedule(ActivationData activation, DateTimeOffset due)
    {
        var bucket = (due.UtcTicks + _quantumTicks - 1) / _quantumTicks;
        lock (_lock)
        {
            if (activation.State != ActivationState.Valid || activation.CollectionBucket == bucket)
            {
                return;
            }

            RemoveLocked(activation);
            if (!_buckets.TryGetValue(bucket, out var set))
            {
                _buckets[bucket] = set = [];
            }

            set.Add(activation);
            activation.CollectionBucket = bucket;
        }
    }

    public void Remove(ActivationData activation)
    {
        lock (_lock)
        {
            RemoveLocked(activation);
        }
    }

    /// <summary>Takes every activation filed in a bucket that is due at <paramref name="now"/>.</summary>
    public List<ActivationData> TakeDue(DateTimeOffset now)
    {
        var due = new List<ActivationData>();
        var nowBucket = now.UtcTicks / _quantumTicks;
        lock (_lock)
        {
            while (_buckets.Count > 0)
            {
                var (bucket, set) = _buckets.First();
                if (bucket > nowBucket)
                {
                    break;
                }

                _buckets.Remove(bucket);
                foreach (var activation in set)
                {
                    activation.CollectionBucket = null;
                    due.Add(activation);
                }
            }
        }

        return due;
    }

    private void RemoveLocked(ActivationData activation)
    {
        if (activation.CollectionBucket is { } old && _buckets.TryGetValue(old, out var oldSet))
        {
            oldSet.Remove(activation);
            if (oldSet.Count == 0)
            {
                _buckets.Remove(old);
            }
        }

        activation.CollectionBucket = null;
    }
}
