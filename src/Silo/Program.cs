using OrleansTenants.Silo;

await using var silo = await SiloApplication.CreateAsync(args);
if (silo.Banner is { } banner)
{
    // Printed to the console, not logged: on the first start it carries keys that are shown once.
    silo.App.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(banner.Render(silo.App.Urls.First(), silo.App.Configuration["Admin:ApiKey"]!)));
}

await silo.RunAsync();
