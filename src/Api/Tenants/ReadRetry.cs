using Orleans.Runtime.Messaging;
using Polly;
using Polly.Retry;

namespace OrleansTenants.Api.Tenants;

/// <summary>
/// A read sent to a silo that has just died is refused until the cluster declares that silo dead and places the tenant
/// on a live one, a matter of seconds. Reads are safe to repeat, so they are repeated meanwhile: the reader gets a
/// slower answer, not a 503. Writes are not repeated here: one may have run before its silo died, and the client
/// decides (with its Idempotency-Key) whether to send it again.
/// </summary>
internal static class ReadRetry
{
    // About 7.5 s in all: longer than failure detection takes to declare a killed silo dead (2-4 s by default).
    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<OrleansMessageRejectionException>().Handle<ConnectionFailedException>(),
            MaxRetryAttempts = 10,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(1),
            UseJitter = true,
        })
        .Build();

    public static ValueTask<T> RunAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        Pipeline.ExecuteAsync(static async (read, ct) => await read(ct), read, cancellationToken);
}
