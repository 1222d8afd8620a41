using OrleansTenants.Api;
using OrleansTenants.Grains;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Silo.Embedded;

namespace OrleansTenants.Silo;

public static class SiloServiceCollectionExtensions
{
    /// <summary>The silo: the grain runtime with the tenant grain, the co-hosted API, and start-up work.</summary>
    public static IServiceCollection AddSiloHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantApi(configuration);
        services.AddGrainSilo(
                configuration.GetSection(SiloOptions.SectionName),
                o => o.ConnectionString = string.IsNullOrEmpty(o.ConnectionString) ? configuration.GetConnectionString("Catalog")! : o.ConnectionString)
            .AddTenantGrains(configuration);
        services.AddSingleton<CatalogStartup>();
        services.AddSingleton<DemoSeeder>();
        return services;
    }
}
