using Microsoft.Extensions.Options;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Api.Admin;
using OrleansTenants.Api.Cluster;
using OrleansTenants.Api.Health;
using OrleansTenants.Api.Http;
using OrleansTenants.Api.Tenants;
using OrleansTenants.Catalog;
using Scalar.AspNetCore;

namespace OrleansTenants.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Everything the HTTP API needs, whether it runs inside a silo or on its own.</summary>
    public static IServiceCollection AddTenantApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantCatalog(configuration);
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddSingleton<JsonBody>();
        services.AddSingleton<AdminKeyFilter>();
        services.AddSingleton<AdminErrorFilter>();
        services.AddSingleton<CrmRequestFilter>();
        services.AddSingleton<TenantKeyRefusal>();
        services.AddSingleton<ClusterOverview>();
        services.AddSingleton<OrleansMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<OrleansMetrics>());
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, ApiAdminJsonContext.Default);
        });
        services.AddExceptionHandler<ClusterUnavailableExceptionHandler>();
        services.AddOpenApi(options => options.AddDocumentTransformer<CrmOpenApiSchemas>());
        services.AddHealthChecks().AddCheck<CatalogHealthCheck>("catalog", tags: [HealthApi.ReadinessTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthApi();
        app.MapTenantCrmApi();
        app.MapAdminApi();
        app.MapOpenApi();
        // The reference page and its script are served from the package: nothing is fetched from the internet.
        app.MapScalarApiReference("/docs", options => options.WithTitle("OrleansTenants API"));
        return app;
    }
}
