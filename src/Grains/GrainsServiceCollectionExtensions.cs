using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>The admin operations and the cluster-wide view of tenant activations, in silos and cluster clients alike.</summary>
    public static IServiceCollection AddTenantAdministration(this IServiceCollection services)
    {
        services.AddSingleton<TenantActivations>();
        services.AddSingleton<TenantAdministration>();
        services.AddSingleton<MoveReplicationFactory>();
        services.AddSingleton<TenantConfigurationLoader>();
        return services;
    }

    /// <summary>What the grains need on a silo: their options, the pools of shared databases, this silo's tenant activations.</summary>
    public static IServiceCollection AddTenantGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TenantDataOptions>().Bind(configuration.GetSection(TenantDataOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TenantDataOptions>, TenantDataOptionsValidator>();
        services.AddSingleton<SharedDataSources>();
        services.AddSingleton<TenantActivationControl>();
        services.AddSingleton<OnlineMoveRun>();
        services.AddKeyedSingleton<IControllable>(TenantActivationControl.ProviderName, (sp, _) => sp.GetRequiredService<TenantActivationControl>());
        return services;
    }
}
