using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTenants.Api.Http;

namespace OrleansTenants.Api.Admin;

/// <summary>Reads an admin request body as its contract type: too large, malformed or ill-fitting bodies are a 400 (413).</summary>
internal static class AdminRequestReader
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(this JsonBody body, HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var (document, problem) = await body.ReadAsync(context.Request, context.RequestAborted);
        if (document is null)
        {
            return (null, problem);
        }

        using (document)
        {
            try
            {
                return document.Deserialize(typeInfo) is { } value
                    ? (value, null)
                    : (null, ApiProblems.BadRequest("The request body must be a JSON object."));
            }
            catch (JsonException ex)
            {
                return (null, ApiProblems.BadRequest($"The request body does not fit: {ex.Message}"));
            }
        }
    }
}
