using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>
/// Sends calls to silos over HTTP/2 without TLS: one pooled handler, multiplexed streams, extra connections
/// when a connection's stream limit is reached. Every request carries the cluster secret.
/// </summary>
internal sealed class SiloTransportClient(ClusterCredentials credentials) : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ConcurrentDictionary<(string Endpoint, string Path), Uri> _uris = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        KeepAlivePingDelay = TimeSpan.FromSeconds(10),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        UseProxy = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<TransportOutcome> CallAsync(SiloAddress target, byte[] body, CancellationToken cancellationToken)
    {
        using var request = Post(target, GrainCallWire.CallPath, body, await credentials.GetAuthorizationAsync(cancellationToken));

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            return new TransportOutcome(TransportOutcomeKind.Unreachable);
        }
        catch (HttpRequestException)
        {
            return new TransportOutcome(TransportOutcomeKind.Broken);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // SocketsHttpHandler reports an expired ConnectTimeout (a silo host that stopped answering) this way.
            return new TransportOutcome(TransportOutcomeKind.Unreachable);
        }

        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    var servedBy = response.Headers.TryGetValues(GrainCallWire.ServedByHeader, out var served) && served.First() is var text && text != target.ToString()
                        ? SiloAddress.Parse(text)
                        : target;
                    return new TransportOutcome(TransportOutcomeKind.Ok, await response.Content.ReadAsByteArrayAsync(cancellationToken), servedBy);
                case HttpStatusCode.MisdirectedRequest when response.Headers.TryGetValues(GrainCallWire.OwnerHeader, out var owner):
                    return new TransportOutcome(TransportOutcomeKind.NotHere, Silo: SiloAddress.Parse(owner.First()));
                case HttpStatusCode.ServiceUnavailable when response.Headers.Contains(GrainCallWire.NotServingHeader):
                    return new TransportOutcome(TransportOutcomeKind.NotServing);
                case HttpStatusCode.InternalServerError or HttpStatusCode.BadRequest:
                    return new TransportOutcome(TransportOutcomeKind.Failed, Error: await ReadErrorAsync(target, response, cancellationToken));
                case HttpStatusCode.Unauthorized:
                    return new TransportOutcome(TransportOutcomeKind.Refused, Error: await ReadErrorAsync(target, response, cancellationToken));
                default:
                    return new TransportOutcome(TransportOutcomeKind.Broken);
            }
        }
    }

    /// <summary>Asks the silo holding the grain to deactivate it; returns whether it had an activation.</summary>
    public async Task<bool> DeactivateAsync(SiloAddress target, string grainId, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new DeactivationRequest(grainId), RuntimeJsonContext.Default.DeactivationRequest);
        using var request = Post(target, GrainCallWire.DeactivatePath, body, await credentials.GetAuthorizationAsync(cancellationToken));
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var error = await ReadErrorAsync(target, response, cancellationToken);
            throw new ClusterAuthenticationException($"Silo {target} refused to deactivate {grainId}. {error.Message}");
        }

        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync(RuntimeJsonContext.Default.DeactivationResponse, cancellationToken);
        return answer?.Deactivated ?? false;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<GrainCallError> ReadErrorAsync(SiloAddress target, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync(RuntimeJsonContext.Default.GrainCallError, cancellationToken);
            if (error is not null)
            {
                return error;
            }
        }
        catch (JsonException)
        {
            // Not the runtime's error body (a proxy, or a silo of another version): reported as below.
        }

        return new GrainCallError(typeof(GrainException).FullName!, $"Silo {target} answered {(int)response.StatusCode} without a readable error.");
    }

    // HTTP/2 with prior knowledge: cleartext, no upgrade dance; the silo's endpoint speaks nothing else.
    private HttpRequestMessage Post(SiloAddress target, string path, byte[] body, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _uris.GetOrAdd((target.Endpoint, path), static key => new Uri($"http://{key.Endpoint}{key.Path}")))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };

        // Unvalidated: the value is known to be well-formed, and a parse error must never quote the secret.
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }
}
