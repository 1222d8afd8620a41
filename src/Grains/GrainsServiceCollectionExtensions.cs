using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Catalog;
using OrleansTenants.Grains.Moves;
using OrleansTenants.Grains.Moves.Online;
using OrleansTenants.Grains.Provisioning;
using OrleansTenants.Grains.Schema;
using OrleansTenants.Grains.Secrets;
using OrleansTenants.Grains.Tenants;
using OrleansTenants.Postgres.Migrations;
using Orleans.Providers;

namespace OrleansTenants.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>Catalog access, secret protection, schema migrations and provisioning.</summary>
    public static IServiceCollection AddTenantCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EncryptionOptions>().Bind(configuration.GetSection(EncryptionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EncryptionOptions>, EncryptionOptionsValidator>();
        services.AddSingleton(sp => new SecretProtector(sp.GetRequiredService<IOptions<EncryptionOptions>>()));
        services.AddOptions<CatalogOptions>().Configure(options => options.ConnectionString = configuration.GetConnectionString("Catalog"));
        services.AddSingleton(sp => new CatalogDatabase(NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<CatalogOptions>>().Value.RequiredConnectionString)));
        services.AddSingleton<DatabaseCatalog>();
        services.AddSingleton<TenantCatalog>();
        services.AddSingleton<TenantMoveCatalog>();
        services.AddSingleton<ApiKeyCatalog>();
        services.AddSingleton<EncryptionKeyRotation>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<DatabaseProvisioner>();
        services.AddSingleton<SingleModeDatabase>();
        services.AddSingleton<MoveReplicationFactory>();
        services.AddSingleton<TenantConfigurationLoader>();
        return services;
    }

    /// <summary>The admin operations and the cluster-wide view of tenant activations, in silos and cluster clients alike.</summary>
    public static IServiceCollection AddTenantAdministration(this IServiceCollection services)
    {
        services.AddSingleton<TenantActivations>();
        services.AddSingleton<TenantAdministration>();
        return services;
    }

    /// <summary>What the grains need on a silo: their options, the pools of shared databases, this silo's tenant activations.</summary>
    public static IServiceCollection AddTenantGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TenantDataOptions>().Bind(configuration.GetSection(TenantDataOptions.SectionName));
        services.AddSingleton<SharedDataSources>();
        services.AddSingleton<TenantActivationControl>();
        services.AddSingleton<OnlineMoveRun>();
        services.AddKeyedSingleton<IControllable>(TenantActivationControl.ProviderName, (sp, _) => sp.GetRequiredService<TenantActivationControl>());
        return services;
    }
}
