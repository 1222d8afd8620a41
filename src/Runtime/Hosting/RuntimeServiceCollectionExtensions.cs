using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Postgres.Migrations;
using OrleansTenants.Runtime.Activations;
using OrleansTenants.Runtime.Directory;
using OrleansTenants.Runtime.Invocation;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.Runtime.Messaging;
using OrleansTenants.Runtime.Placement;

namespace OrleansTenants.Runtime.Hosting;

public static class RuntimeServiceCollectionExtensions
{
    private const int MinClusterSecretLength = 32;

    /// <summary>
    /// Makes this process a silo: it hosts activations, joins membership in <see cref="SiloOptions.ConnectionString"/>'s
    /// database and serves the internal HTTP/2 endpoint. Grains and callers in the process use <see cref="IGrainFactory"/>.
    /// </summary>
    public static GrainRuntimeBuilder AddGrainSilo(this IServiceCollection services, IConfiguration siloSection, Action<SiloOptions>? configure = null)
    {
        AddShared(services, siloSection, configure);
        services.TryAddSingleton<MigrationRunner>();
        services.AddSingleton<LocalSilo>();
        services.AddSingleton<ActivationManager>();
        services.AddSingleton<LocalDispatcher>();
        services.AddSingleton<GrainCallHandler>();
        services.AddSingleton<SiloTransportServer>();
        services.AddSingleton<SiloMembershipService>();
        services.AddSingleton<IPlacementDirector>(sp =>
            sp.GetRequiredService<IOptions<SiloOptions>>().Value.Placement == PlacementNames.PreferLocal
                ? new PreferLocalPlacement(sp.GetRequiredService<LocalSilo>(), sp.GetRequiredService<RendezvousPlacement>())
                : sp.GetRequiredService<RendezvousPlacement>());
        services.AddSingleton<IGrainCallInvoker>(sp => ActivatorUtilities.CreateInstance<ClusterCallInvoker>(
            sp, sp.GetRequiredService<LocalSilo>(), sp.GetRequiredService<LocalDispatcher>()));
        services.AddSingleton<IClusterManagement>(sp => ActivatorUtilities.CreateInstance<ClusterManagement>(
            sp, sp.GetRequiredService<LocalSilo>(), sp.GetRequiredService<ActivationManager>()));
        services.AddHostedService<SiloHost>();
        services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo", tags: [HealthTags.Ready]);
        return new GrainRuntimeBuilder(services);
    }

    /// <summary>Makes this process a cluster client: it reads membership and sends each call straight to the owning silo.</summary>
    public static GrainRuntimeBuilder AddGrainClient(this IServiceCollection services, IConfiguration siloSection, Action<SiloOptions>? configure = null)
    {
        AddShared(services, siloSection, configure);
        services.AddSingleton<IPlacementDirector>(sp => sp.GetRequiredService<RendezvousPlacement>());
        services.AddSingleton<IGrainCallInvoker, ClusterCallInvoker>();
        services.AddSingleton<IClusterManagement, ClusterManagement>();
        services.AddHostedService<ClientMembershipService>();
        services.AddHealthChecks().AddCheck<ClientHealthCheck>("cluster", tags: [HealthTags.Ready]);
        return new GrainRuntimeBuilder(services);
    }

    private static void AddShared(IServiceCollection services, IConfiguration siloSection, Action<SiloOptions>? configure)
    {
        var options = services.AddOptions<SiloOptions>().Bind(siloSection);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Silo:ConnectionString (the cluster database) is required.")
            .Validate(o => o.DeathTimeout > o.HeartbeatPeriod * 2, "Silo:DeathTimeout must exceed two heartbeat periods.")
            .Validate(
                o => string.IsNullOrEmpty(o.ClusterSecret) || (o.ClusterSecret.Length >= MinClusterSecretLength && o.ClusterSecret.All(c => c is > ' ' and <= '~')),
                $"Silo:ClusterSecret must be at least {MinClusterSecretLength} printable ASCII characters without spaces (base64 of 32 random bytes, say).")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RuntimeCounters>();
        services.AddSingleton(sp => new GrainTypeRegistry(sp.GetServices<GrainRegistration>()));
        services.AddSingleton<GrainSerializer>();
        services.AddSingleton<ClusterCredentials>();
        services.AddSingleton<SiloTransportClient>();
        services.AddSingleton<MembershipViewHolder>();
        services.AddSingleton<IMembershipView>(sp => sp.GetRequiredService<MembershipViewHolder>());
        services.AddSingleton<RendezvousPlacement>();
        services.AddSingleton<GrainLocator>();
        services.AddSingleton<IGrainFactory, GrainFactory>();
        // Membership and directory statements repeat constantly: let Npgsql prepare them.
        services.AddSingleton(sp => new ClusterDatabase(NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(sp.GetRequiredService<IOptions<SiloOptions>>().Value.ConnectionString) { MaxAutoPrepare = 20 }.ConnectionString)));
        services.AddSingleton<IMembershipTable>(sp => new PostgresMembershipTable(sp.GetRequiredService<ClusterDatabase>().DataSource));
        services.AddSingleton<IGrainDirectory>(sp => new PostgresGrainDirectory(sp.GetRequiredService<ClusterDatabase>().DataSource));
    }
}
