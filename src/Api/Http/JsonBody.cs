using System.Text.Json;
using Microsoft.Extensions.Options;

namespace OrleansTenants.Api.Http;

/// <summary>Reads a request body as one JSON document, refusing oversized bodies (413) and malformed JSON (400).</summary>
public sealed class JsonBody(IOptions<ApiOptions> options)
{
    public async Task<(JsonDocument? Document, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
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

        if (buffer.Length == 0)
        {
            return (null, ApiProblems.BadRequest("The request body is empty; send a JSON object."));
        }

        try
        {
            return (JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)), null);
        }
        catch (JsonException ex)
        {
            return (null, ApiProblems.BadRequest($"The request body is not valid JSON: {ex.Message}"));
        }
    }
}
