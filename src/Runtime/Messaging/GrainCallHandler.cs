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
        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var error = GrainCallRequest.TryRead(document, registry, serializer, out var grainId, out var grainType, out var method, out var arguments, out _);
        if (error is not null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await WriteErrorAsync(context, new GrainCallError(nameof(ArgumentException), error));
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
        catch (SiloUnavailableException)
        {
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
        var request = await JsonSerializer.DeserializeAsync(context.Request.Body, RuntimeJsonContext.Default.DeactivationRequest, context.RequestAborted);
        var deactivated = request is not null && await activations.DeactivateAsync(GrainId.Parse(request.Grain), DeactivationReason.ExternalRequest);
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new DeactivationResponse(deactivated), RuntimeJsonContext.Default.DeactivationResponse, context.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpContext context, GrainCallError error)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, error, RuntimeJsonContext.Default.GrainCallError, context.RequestAborted);
    }
}
