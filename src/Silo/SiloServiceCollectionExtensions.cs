using Orleans.Providers;
using OrleansTenants.Api;
using OrleansTenants.Api.Cluster;
using OrleansTenants.Api.Health;
using OrleansTenants.Grains;
using OrleansTenants.Silo.Cluster;
using OrleansTenants.Silo.Embedded;

namespace OrleansTenants.Silo;

public static class SiloServiceCollectionExtensions
{
    /// <summary>The silo: Orleans with the tenant grains, the co-hosted API, and start-up work.</summary>
    public static WebApplicationBuilder AddTenantSilo(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddTenantApi(builder.Configuration);
        services.AddTenantAdministration();
        services.AddTenantGrains(builder.Configuration);
        services.AddKeyedSingleton<IControllable, SiloUrlControl>(SiloUrlControl.ProviderName);
        services.AddHealthChecks().AddCheck<SiloMembershipHealthCheck>("silo", tags: [HealthApi.ReadinessTag]);
        services.AddSingleton<CatalogStartup>();
        services.AddSingleton<DemoSeeder>();
        builder.UseOrleans(silo => silo.ConfigureTenantCluster(builder.Configuration));
        return builder;
    }
}
