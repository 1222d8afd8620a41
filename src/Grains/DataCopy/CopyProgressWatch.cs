namespace OrleansTenants.Grains.DataCopy;

/// <summary>
/// Tells a stalled initial copy from a slow one: progress is a table more copied or a row more on the target. Kept by
/// one run of a move; a run resumed elsewhere starts watching afresh.
/// </summary>
internal sealed class CopyProgressWatch(TimeSpan limit, TimeProvider time)
{
    private (int Tables, long Rows) _last = (-1, -1);
    private long _since = time.GetTimestamp();

    /// <summary>Records what the copy has done so far; true when it has done nothing more for longer than the limit.</summary>
    public bool Stalled(ReplicationProgress progress)
    {
        var now = (progress.TablesCopied, progress.Rows?.Sum(t => t.Rows) ?? 0);
        if (now != _last)
        {
            (_last, _since) = (now, time.GetTimestamp());
            return false;
        }

        return time.GetElapsedTime(_since) > limit;
    }

    public TimeSpan Limit => limit;
}
