using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Postgres;
using Polly;
using Polly.CircuitBreaker;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// The walls around every tenant call: the tenant's concurrency limit and its bounded queue (429 when full), a circuit breaker so a
/// dead database is answered 503 at once instead of being hammered, and the mapping of failures to outcomes.
/// </summary>
internal sealed partial class TenantGuard : IDisposable
{
    private readonly TenantCallQueue _queue;
    private readonly ResiliencePipeline _breaker;
    private readonly TenantDataOptions _options;
    private readonly string _tenantId;
    private readonly ILogger _logger;

    public TenantGuard(string tenantId, int maxConcurrency, TenantDataOptions options, TimeProvider time, ILogger logger)
    {
        _tenantId = tenantId;
        _logger = logger;
        _options = options;
        _queue = new TenantCallQueue(maxConcurrency, options.QueueLimit, options.QueueTimeout, time);
        _breaker = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(DatabaseErrors.IsUnavailable),
            })
            .Build();
    }

    public async Task<TenantResult> RunAsync(Func<CancellationToken, Task<TenantResult>> operation, CancellationToken cancellationToken)
    {
        var (turn, retryAfter) = await _queue.EnterAsync(cancellationToken);
        if (turn is null)
        {
            return new TenantResult(
                TenantOutcome.TooManyRequests,
                Detail: "The tenant's concurrency limit is reached and its queue is full or would take too long.",
                RetryAfterSeconds: WholeSeconds(retryAfter));
        }

        try
        {
            return await _breaker.ExecuteAsync(static async (run, ct) => await run(ct), operation, cancellationToken);
        }
        catch (BrokenCircuitException broken)
        {
            return Unavailable("The tenant's database is unreachable; calls are paused briefly.", broken.RetryAfter ?? _options.BreakerDuration);
        }
        catch (CrmValidationException invalid)
        {
            return new TenantResult(TenantOutcome.Invalid, Detail: invalid.Message, Errors: invalid.ToErrorMap());
        }
        catch (CrmConflictException conflict)
        {
            return new TenantResult(
                TenantOutcome.Conflict,
                Detail: conflict.Message,
                Errors: new Dictionary<string, string[]>(StringComparer.Ordinal) { [conflict.Field] = [conflict.Reason] });
        }
        catch (CrmIdempotencyConflictException mismatch)
        {
            return new TenantResult(TenantOutcome.IdempotencyMismatch, Detail: mismatch.Message);
        }
        catch (Exception ex) when (DatabaseErrors.IsStatementTimeout(ex) && !cancellationToken.IsCancellationRequested)
        {
            return Unavailable($"The query ran longer than the tenant's statement timeout ({_options.StatementTimeout.TotalSeconds:0.#} s).", TimeSpan.FromSeconds(1));
        }
        catch (Exception ex) when (ex is NpgsqlException && DatabaseErrors.IsUnavailable(ex))
        {
            return Unavailable($"The tenant's database is unreachable ({DatabaseErrors.Code(ex)}).", _options.BreakerDuration);
        }
        catch (Exception ex) when (DatabaseErrors.IsNotReady(ex))
        {
            LogNotReady(_tenantId, DatabaseErrors.Describe(ex));
            return Unavailable($"The tenant's database is not ready to serve ({DatabaseErrors.Code(ex)}).", _options.BreakerDuration);
        }
        finally
        {
            turn.Dispose();
        }
    }

    /// <summary>The most of the tenant's calls that ran at once since this guard was made.</summary>
    public int PeakConcurrency => _queue.PeakRunning;

    public void Dispose() => _queue.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Tenant {TenantId}: its database lacks the CRM schema or grants ({Error}); its calls get 503")]
    private partial void LogNotReady(string tenantId, string error);

    private static TenantResult Unavailable(string detail, TimeSpan retryAfter) =>
        new(TenantOutcome.DatabaseUnavailable, Detail: detail, RetryAfterSeconds: WholeSeconds(retryAfter));

    private static int WholeSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
}
