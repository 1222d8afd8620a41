using Microsoft.Extensions.Options;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// Refuses <see cref="TenantDataOptions"/> the grains could not run with, at start instead of at a tenant's first call:
/// limits and durations must be positive, and the breaker's figures must be ones Polly accepts.
/// </summary>
public sealed class TenantDataOptionsValidator : IValidateOptions<TenantDataOptions>
{
    private static readonly TimeSpan PollyMinimumDuration = TimeSpan.FromMilliseconds(500);

    public ValidateOptionsResult Validate(string? name, TenantDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        Positive(builder, options.StatementTimeout, nameof(options.StatementTimeout));
        Positive(builder, options.ConnectTimeout, nameof(options.ConnectTimeout));
        Positive(builder, options.QueueTimeout, nameof(options.QueueTimeout));
        Positive(builder, options.CutOverWait, nameof(options.CutOverWait));
        Positive(builder, options.CopyStallTimeout, nameof(options.CopyStallTimeout));
        Positive(builder, options.ReplicaLagCheckInterval, nameof(options.ReplicaLagCheckInterval));
        Positive(builder, options.IdempotencyRetention, nameof(options.IdempotencyRetention));
        Positive(builder, options.IdempotencyPurgeInterval, nameof(options.IdempotencyPurgeInterval));
        Positive(builder, options.ReadYourWritesWindow, nameof(options.ReadYourWritesWindow));
        Check(builder, options.SharedPoolSize >= 1, nameof(options.SharedPoolSize), "must be at least 1");
        Check(builder, options.ExactCountCap >= 1, nameof(options.ExactCountCap), "must be at least 1");
        Check(builder, options.QueueLimit >= 0, nameof(options.QueueLimit), "must not be negative");
        Check(builder, options.MaxReplicaLagBytes >= 0, nameof(options.MaxReplicaLagBytes), "must not be negative");
        Check(builder, options.BreakerMinimumThroughput >= 2, nameof(options.BreakerMinimumThroughput), "must be at least 2");
        Check(builder, options.BreakerSamplingDuration >= PollyMinimumDuration, nameof(options.BreakerSamplingDuration), "must be at least 500 ms");
        Check(builder, options.BreakerDuration >= PollyMinimumDuration, nameof(options.BreakerDuration), "must be at least 500 ms");
        return builder.Build();
    }

    private static void Positive(ValidateOptionsResultBuilder builder, TimeSpan value, string property) =>
        Check(builder, value > TimeSpan.Zero, property, "must be longer than zero");

    private static void Check(ValidateOptionsResultBuilder builder, bool valid, string property, string reason)
    {
        if (!valid)
        {
            builder.AddError(reason, $"{TenantDataOptions.SectionName}:{property}");
        }
    }
}
