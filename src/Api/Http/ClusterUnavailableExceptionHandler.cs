using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime.Messaging;

namespace OrleansTenants.Api.Http;

/// <summary>
/// A grain call that no silo answered in time (its silo died mid-call, the cluster is re-forming, no gateway is
/// reachable) is the cluster's temporary state, not a server bug: 503 problem with Retry-After, for every
/// endpoint. Orleans' messages name internal silo addresses, so only a generic detail goes out.
/// </summary>
public sealed partial class ClusterUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableExceptionHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or TimeoutException)
            || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogNoAnswer(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = DetailFor(httpContext.Request.Method),
            },
        });
    }

    private static string DetailFor(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) || HttpMethods.IsHead(method) =>
            "The silo serving this tenant stopped answering. Retry shortly: another silo takes over.",
        _ when HttpMethods.IsPost(method) =>
            "The silo serving this tenant stopped answering; the change may or may not have been applied. Retry with the same Idempotency-Key to apply it exactly once.",
        _ => "The silo serving this tenant stopped answering; the change may or may not have been applied. Repeating it is safe.",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: the grain call got no answer ({Reason}); answered 503.")]
    private static partial void LogNoAnswer(ILogger logger, string method, PathString path, string reason);
}
