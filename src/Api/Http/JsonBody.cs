using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace OrleansTenants.Api.Http;

/// <summary>Reads a request body as one JSON document, refusing oversized bodies (413) and malformed JSON (400).</summary>
public sealed class JsonBody(IOptions<ApiOptions> options)
{
    /// <summary>The body parsed, for handlers that read it here.</summary>
    public async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadBufferAsync(request, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        try
        {
            return (JsonDocument.Parse(body), null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex));
        }
    }

    /// <summary>The body as the client sent it, checked to be one well-formed JSON value: for handlers that pass it on (to a grain).</summary>
    public async Task<(byte[]? Json, ProblemHttpResult? Problem)> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadBufferAsync(request, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex));
        }

        return (body, null);
    }

    private async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadBufferAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            return (null, ApiProblems.TooLarge(limit));
        }

        // Copy at most limit + 1 bytes: a chunked body without a length is cut off as soon as it is too big.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, ApiProblems.TooLarge(limit));
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length == 0
            ? (null, ApiProblems.BadRequest("The request body is empty; send a JSON object."))
            : (buffer.ToArray(), null);
    }

    private static ProblemHttpResult Malformed(JsonException ex) => ApiProblems.BadRequest($"The request body is not valid JSON: {ex.Message}");
}
