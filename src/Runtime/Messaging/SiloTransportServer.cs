using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansTenants.Runtime.Hosting;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>
/// The silo's internal endpoint: its own Kestrel server speaking HTTP/2 without TLS on a port of its own,
/// so the public web server's <c>--urls</c> stay exactly what the operator gave.
/// </summary>
internal sealed class SiloTransportServer(GrainCallHandler handler, ClusterCredentials credentials, IOptions<SiloOptions> options) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Starts listening; returns the advertised <c>host:port</c>.</summary>
    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            var address = IPAddress.TryParse(settings.AdvertisedHost, out var ip) ? ip : IPAddress.Any;
            kestrel.Listen(address, settings.InternalPort, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        // Before any endpoint runs: a request without the cluster secret never reaches grain code.
        app.Use(next => context => credentials.Accepts(context.Request.Headers.Authorization) ? next(context) : GrainCallHandler.RefuseAsync(context));
        app.MapPost(GrainCallWire.CallPath, (RequestDelegate)handler.HandleCallAsync);
        app.MapPost(GrainCallWire.DeactivatePath, (RequestDelegate)handler.HandleDeactivationAsync);
        await app.StartAsync(cancellationToken);
        _app = app;

        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return $"{settings.AdvertisedHost}:{bound.Port}";
    }

    /// <summary>Stops listening; requests still running when <paramref name="cancellationToken"/> fires are aborted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));
}
