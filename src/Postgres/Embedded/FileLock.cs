namespace OrleansTenants.Postgres.Embedded;

/// <summary>
/// An exclusive advisory lock (flock, which .NET takes for <see cref="FileShare.None"/> on Unix) on a lock file:
/// processes that start on one directory take turns. The lock is held until the returned stream is disposed.
/// </summary>
public static class FileLock
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits for the lock; past <paramref name="timeout"/> (null: no limit) the last failure is thrown.</summary>
    public static async Task<FileStream> AcquireAsync(string path, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (timeout is not { } limit || waiting.Elapsed < limit)
            {
                await Task.Delay(Retry, cancellationToken);
            }
        }
    }
}
