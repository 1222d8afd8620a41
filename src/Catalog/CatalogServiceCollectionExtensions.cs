using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Catalog.Moves;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Schema;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Postgres.Migrations;

namespace OrleansTenants.Catalog;

public static class CatalogServiceCollectionExtensions
{
    /// <summary>Catalog access, secret protection, schema migrations and provisioning.</summary>
    public static IServiceCollection AddTenantCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EncryptionOptions>().Bind(configuration.GetSection(EncryptionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EncryptionOptions>, EncryptionOptionsValidator>();
        services.AddSingleton(sp => new SecretProtector(sp.GetRequiredService<IOptions<EncryptionOptions>>()));
        services.AddOptions<CatalogOptions>()
            .Configure(options => options.ConnectionString = configuration.GetConnectionString(CatalogOptions.ConnectionStringName) ?? "")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();
        services.AddSingleton(sp => new CatalogDatabase(NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<CatalogOptions>>().Value.ConnectionString)));
        services.AddSingleton<DatabaseCatalog>();
        services.AddSingleton<TenantCatalog>();
        services.AddSingleton<TenantMoveCatalog>();
        services.AddSingleton<ApiKeyCatalog>();
        services.AddSingleton<EncryptionKeyRotation>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<DatabaseProvisioner>();
        services.AddSingleton<SingleModeDatabase>();
        return services;
    }
}
