using OrleansTenants.Postgres.Embedded;
using OrleansTenants.Silo;
using OrleansTenants.Silo.Embedded;

SiloApplication silo;
try
{
    silo = await SiloApplication.CreateAsync(args);
}
catch (EmbeddedPostgresSetupException e)
{
    // What the machine lacks is said in one line with its fix; a stack trace would bury it.
    var fix = e is PostgresBinariesNotFoundException ? $" To name that directory, set {EmbeddedCatalog.PostgresBinDirectorySetting}." : "";
    await Console.Error.WriteLineAsync($"Cannot start the embedded PostgreSQL: {e.Message.TrimEnd('.')}.{fix}");
    return 1;
}

await using (silo)
{
    if (silo.Banner is { } banner)
    {
        // Printed to the console, not logged: on the first start it carries keys that are shown once.
        silo.App.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(banner.Render(silo.App.Urls.First(), silo.App.Configuration["Admin:ApiKey"]!)));
    }

    await silo.RunAsync();
}

return 0;
