using OrleansTenants.Api;
using OrleansTenants.Silo.Embedded;

namespace OrleansTenants.Silo;

public static class SiloServiceCollectionExtensions
{
    /// <summary>The silo: the co-hosted API with its catalog services, and start-up work.</summary>
    public static IServiceCollection AddSiloHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantApi(configuration);
        services.AddSingleton<CatalogStartup>();
        services.AddSingleton<DemoSeeder>();
        return services;
    }
}
