using OrleansTenants.Api;
using OrleansTenants.Silo;
using OrleansTenants.Silo.Embedded;

var builder = WebApplication.CreateBuilder(args);
using var startupLoggers = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole());
var startupLogger = startupLoggers.CreateLogger("OrleansTenants.Silo");

await using var embedded = await EmbeddedCatalog.StartIfUnconfiguredAsync(builder.Configuration, startupLogger, CancellationToken.None);

builder.Services.AddSiloHost(builder.Configuration);
var app = builder.Build();
app.MapTenantApi();

var banner = await app.Services.GetRequiredService<CatalogStartup>().RunAsync(embedded, CancellationToken.None);
if (banner is not null)
{
    // Printed to the console, not logged: on the first start it carries keys that are shown once.
    app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(banner.Render(app.Urls.First(), app.Configuration["Admin:ApiKey"]!)));
}

await app.RunAsync();
