using OrleansTenants.Api.Health;
using OrleansTenants.Grains;

namespace OrleansTenants.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Everything the HTTP API needs, whether it runs inside a silo or on its own.</summary>
    public static IServiceCollection AddTenantApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantCatalog(configuration);
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<CatalogHealthCheck>("catalog", tags: [HealthApi.ReadinessTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthApi();
        return app;
    }
}
