using OrleansTenants.Api;
using OrleansTenants.Silo.Embedded;

namespace OrleansTenants.Silo;

/// <summary>
/// A silo process's composition: the embedded catalog when none is configured, Orleans with the grains, the API,
/// and the start-up work (migrations, demo). Program runs it; tests start it in process.
/// </summary>
public sealed class SiloApplication : IAsyncDisposable
{
    private readonly ILoggerFactory _startupLoggers;
    private bool _ran;

    private SiloApplication(WebApplication app, EmbeddedCatalog? embedded, DemoBanner? banner, ILoggerFactory startupLoggers)
    {
        _startupLoggers = startupLoggers;
        App = app;
        Embedded = embedded;
        Banner = banner;
    }

    public WebApplication App { get; }

    public EmbeddedCatalog? Embedded { get; }

    /// <summary>What to print once the silo listens, in the embedded default.</summary>
    public DemoBanner? Banner { get; }

    public static async Task<SiloApplication> CreateAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Outlives the host's own logging: the embedded server logs its stop after the host is gone.
        var startupLoggers = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole());
        var embedded = await EmbeddedCatalog.StartIfUnconfiguredAsync(builder.Configuration, startupLoggers.CreateLogger("OrleansTenants.Silo"), cancellationToken);
        WebApplication? app = null;
        try
        {
            builder.AddTenantSilo();
            app = builder.Build();
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.MapTenantApi();
            var banner = await app.Services.GetRequiredService<CatalogStartup>().RunAsync(embedded, cancellationToken);
            return new SiloApplication(app, embedded, banner, startupLoggers);
        }
        catch
        {
            // Its pools hold connections to the embedded server, which is stopped next.
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }

            startupLoggers.Dispose();
            throw;
        }
    }

    /// <summary>Serves until shutdown (Ctrl-C, SIGTERM); the host is stopped and disposed when this returns.</summary>
    public async Task RunAsync()
    {
        _ran = true;
        await App.RunAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // RunAsync stops and disposes the host itself; a host only started (tests) is stopped here first,
        // because disposing a host does not stop it and the silo must leave the cluster gracefully.
        if (!_ran)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        if (Embedded is not null)
        {
            await Embedded.DisposeAsync();
        }

        _startupLoggers.Dispose();
    }
}
