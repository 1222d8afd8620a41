using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansTenants.Api.Health;

public static class HealthApi
{
    /// <summary>The tag of the health checks that decide readiness.</summary>
    public const string ReadinessTag = "ready";

    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: every readiness check passes (503 otherwise).</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadinessTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new HealthResponse(
            report.Status.ToString().ToLowerInvariant(),
            report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description)));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJsonContext.Default.HealthResponse, context.RequestAborted);
    }
}

public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, HealthEntry> Checks);

public sealed record HealthEntry(string Status, string? Description);
