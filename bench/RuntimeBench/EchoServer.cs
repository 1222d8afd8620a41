using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.RuntimeBench;

/// <summary>
/// The baseline: a bare Kestrel HTTP/2 (h2c, prior knowledge) minimal-API endpoint that binds the same call
/// envelope a silo receives and answers the same reply body and served-by header. Kestrel is set up the way
/// SiloTransportServer sets up the silo's internal endpoint, and it checks a bearer secret the way the silo checks
/// the cluster secret (SHA-256, constant-time compare), so the difference is the runtime, not the server.
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    public const string Path = "/echo";
    public const string ServedByHeader = "x-grain-served-by";
    private readonly WebApplication _app;

    private EchoServer(WebApplication app, string endpoint, string secret)
    {
        _app = app;
        Endpoint = endpoint;
        Secret = secret;
    }

    public string Endpoint { get; }

    /// <summary>What its clients present, as silos present the cluster secret.</summary>
    public string Secret { get; }

    public static async Task<EchoServer> StartAsync(string servedBy, CancellationToken cancellationToken)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddRoutingCore();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BenchJsonContext.Default));
        var app = builder.Build();
        app.Use(next => context =>
        {
            var header = context.Request.Headers.Authorization;
            var accepted = header.Count == 1 && header[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(value["Bearer ".Length..])), expected);
            if (accepted)
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        });
        app.MapPost(Path, (EchoEnvelope envelope, HttpContext context) =>
        {
            context.Response.Headers[ServedByHeader] = servedBy;
            var request = envelope.Args[0];
            return new BenchReply(request.Seq, request.Text);
        });
        await app.StartAsync(cancellationToken);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new EchoServer(app, $"127.0.0.1:{bound.Port}", secret);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Calls the echo endpoint the way SiloTransportClient calls a silo: the same SocketsHttpHandler settings, request
/// version policy, content type, completion option, served-by parsing and JSON (de)serialization per call.
/// </summary>
internal sealed class EchoClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = BenchJsonContext.Default };
    private readonly Uri _uri;
    private readonly HttpClient _http;
    private readonly string _authorization;

    public EchoClient(string endpoint, string secret)
    {
        _authorization = "Bearer " + secret;
        _uri = new Uri($"http://{endpoint}{EchoServer.Path}");
        var handler = new SocketsHttpHandler
        {
            // Copied from src/Runtime/Messaging/SiloTransportClient.cs; keep the two in step.
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<BenchReply> CallAsync(EchoEnvelope envelope, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(envelope, Options.GetTypeInfo(typeof(EchoEnvelope)));
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        _ = response.Headers.TryGetValues(EchoServer.ServedByHeader, out var served) ? SiloAddress.Parse(served.First()) : null;
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (BenchReply)JsonSerializer.Deserialize(bytes, Options.GetTypeInfo(typeof(BenchReply)))!;
    }

    /// <summary>The request and response body sizes, to show that the echo and the grain call carry the same bytes.</summary>
    public static (int Request, int Response) BodySizes(EchoEnvelope envelope) =>
        (JsonSerializer.SerializeToUtf8Bytes(envelope, Options.GetTypeInfo(typeof(EchoEnvelope))).Length,
         JsonSerializer.SerializeToUtf8Bytes(new BenchReply(envelope.Args[0].Seq, envelope.Args[0].Text), Options.GetTypeInfo(typeof(BenchReply))).Length);

    public void Dispose() => _http.Dispose();
}
