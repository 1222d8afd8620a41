using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Invocation;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>Serves the silo's internal endpoint: grain calls from clients and other silos, and deactivation requests.</summary>
internal sealed class GrainCallHandler(
    GrainTypeRegistry registry,
    GrainSerializer serializer,
    LocalDispatcher dispatcher,
    ActivationManager activations,
    LocalSilo silo)
{
    public async Task HandleCallAsync(HttpContext context)
    {
        using var document = await ParseAsync(context);
        if (document is null)
        {
            return;
        }

        var error = GrainCallRequest.TryRead(document, registry, serializer, out var grainId, out var grainType, out var method, out var arguments);
        if (error is not null)
        {
            await WriteBadRequestAsync(context, error);
            return;
        }

        object? result;
        try
        {
            result = await dispatcher.DispatchAsync(grainId, grainType, method, arguments, context.RequestAborted);
        }
        catch (NotHereException notHere)
        {
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            context.Response.Headers[GrainCallWire.OwnerHeader] = notHere.Owner.Silo.ToString();
            return;
        }
        catch (NotServingException)
        {
            // Refused before it started; a SiloUnavailableException from the grain's own nested call ran the grain
            // and is answered as its failure below, so the caller does not send it again.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers[GrainCallWire.NotServingHeader] = "1";
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await WriteErrorAsync(context, new GrainCallError(ex.GetType().AssemblyQualifiedName ?? ex.GetType().Name, ex.Message));
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers[GrainCallWire.ServedByHeader] = silo.Address.ToString();
        if (method.ResultType is not null)
        {
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
            serializer.Write(writer, result, method.ResultType);
            await writer.FlushAsync(context.RequestAborted);
        }
    }

    public async Task HandleDeactivationAsync(HttpContext context)
    {
        DeactivationRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, RuntimeJsonContext.Default.DeactivationRequest, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await WriteBadRequestAsync(context, $"The deactivation request is not valid JSON: {ex.Message}");
            return;
        }

        if (!GrainId.TryParse(request?.Grain, out var grainId))
        {
            await WriteBadRequestAsync(context, "A deactivation request is {\"grain\": \"type/key\"}.");
            return;
        }

        var deactivated = await activations.DeactivateAsync(grainId, DeactivationReason.ExternalRequest);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new DeactivationResponse(deactivated), RuntimeJsonContext.Default.DeactivationResponse, context.RequestAborted);
    }

    /// <summary>A request without the cluster secret: 401, with an error the caller raises as a <see cref="ClusterAuthenticationException"/>.</summary>
    public static Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteErrorAsync(context, new GrainCallError(
            typeof(ClusterAuthenticationException).FullName!,
            "The request does not carry this cluster's secret. Every silo and cluster client must present the same one: " +
            "the secret in the cluster database (cluster.cluster_secret), or the same Silo:ClusterSecret."));
    }

    /// <summary>The request body as JSON, or null once a 400 has been written for a body that is not JSON.</summary>
    private static async Task<JsonDocument?> ParseAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await WriteBadRequestAsync(context, $"The grain call is not valid JSON: {ex.Message}");
            return null;
        }
    }

    /// <summary>A request the silo cannot run: 400, with an error the caller raises as a <see cref="GrainException"/>.</summary>
    private static Task WriteBadRequestAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return WriteErrorAsync(context, new GrainCallError(typeof(GrainException).FullName!, message));
    }

    private static Task WriteErrorAsync(HttpContext context, GrainCallError error)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, error, RuntimeJsonContext.Default.GrainCallError, context.RequestAborted);
    }
}
