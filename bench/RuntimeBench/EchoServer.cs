using System.Net;
using System.Net.Http.Headers;
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
/// SiloTransportServer sets up the silo's internal endpoint, so the difference is the runtime, not the server.
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    public const string Path = "/echo";
    public const string ServedByHeader = "x-grain-served-by";
    private readonly WebApplication _app;

    private EchoServer(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public static async Task<EchoServer> StartAsync(string servedBy, CancellationToken cancellationToken)
    {
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
        app.MapPost(Path, (EchoEnvelope envelope, HttpContext context) =>
        {
            context.Response.Headers[ServedByHeader] = servedBy;
            var request = envelope.Args[0];
            return new BenchReply(request.Seq, request.Text);
        });
        await app.StartAsync(cancellationToken);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new EchoServer(app, $"127.0.0.1:{bound.Port}");
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

    public EchoClient(string endpoint)
    {
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
