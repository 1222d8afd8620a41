using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTenants.Api.Http;

/// <summary>RFC 9457 problem responses, all shaped alike: a title, a detail that helps, and field errors where they apply.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult BadRequest(string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        Create(StatusCodes.Status400BadRequest, "Invalid request", detail, errors);

    public static ProblemHttpResult Field(string field, string reason) =>
        BadRequest($"{field}: {reason}", new Dictionary<string, string[]> { [field] = [reason] });

    public static ProblemHttpResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemHttpResult NoTenant(string tenantId) => NotFound($"There is no tenant '{tenantId}'.");

    public static ProblemHttpResult Conflict(string detail) => Create(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ProblemHttpResult Unauthorized(string detail) => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static ProblemHttpResult Forbidden(string detail) => Create(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static ProblemHttpResult TooLarge(int limit) =>
        Create(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The request body exceeds the limit of {limit} bytes.");

    public static ProblemHttpResult Create(int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        var extensions = errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors };
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }
}
