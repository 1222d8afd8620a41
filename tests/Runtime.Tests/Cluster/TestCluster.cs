using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansTenants.Runtime;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.Runtime.Membership;
using OrleansTenants.TestGrains;

namespace OrleansTenants.Runtime.Tests.Cluster;

/// <summary>N silos in this process, each with its own host, DI container and internal port, on one cluster database.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly Action<SiloOptions>? _configure;
    private readonly TimeProvider? _time;
    private readonly List<IHost> _clients = [];

    private TestCluster(string connectionString, Action<SiloOptions>? configure, TimeProvider? time)
    {
        _connectionString = connectionString;
        _configure = configure;
        _time = time;
    }

    public List<TestSilo> Silos { get; } = [];

    public static async Task<TestCluster> StartAsync(string connectionString, int silos, Action<SiloOptions>? configure = null, TimeProvider? time = null)
    {
        var cluster = new TestCluster(connectionString, configure, time);
        await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => cluster.AddSiloAsync()));

        // Silos that started together learn of each other on their next membership read; wait for that,
        // so tests place grains over the whole cluster rather than over whoever joined first.
        foreach (var silo in cluster.Silos)
        {
            await silo.WaitForActiveSilosAsync(silos);
        }

        return cluster;
    }

    public async Task<TestSilo> AddSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Silo:ConnectionString"] = _connectionString });
        if (_time is not null)
        {
            builder.Services.AddSingleton(_time);
        }

        builder.Services.AddSingleton(sp => new ActivationLog(NpgsqlDataSource.Create(_connectionString), "in-process"));
        builder.Services.AddGrainSilo(builder.Configuration.GetSection(SiloOptions.SectionName), FastFailureDetection + _configure)
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<ITurnGrain, TurnGrain>()
            .AddGrain<ILoggedGrain, LoggedGrain>()
            .AddGrain<IFaultyGrain, FaultyGrain>();
        var host = builder.Build();
        await host.StartAsync();
        var silo = new TestSilo(host);
        lock (Silos)
        {
            Silos.Add(silo);
        }

        return silo;
    }

    /// <summary>A cluster client (what the standalone API process uses), in its own host.</summary>
    public async Task<IServiceProvider> StartClientServicesAsync(Action<SiloOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Silo:ConnectionString"] = _connectionString });
        builder.Services.AddGrainClient(builder.Configuration.GetSection(SiloOptions.SectionName), FastFailureDetection + configure)
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<ILoggedGrain, LoggedGrain>()
            .AddGrain<IFaultyGrain, FaultyGrain>();
        var host = builder.Build();
        await host.StartAsync();
        _clients.Add(host);
        return host.Services;
    }

    public async Task<IGrainFactory> StartClientAsync() => (await StartClientServicesAsync()).GetRequiredService<IGrainFactory>();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.StopAsync();
            client.Dispose();
        }

        await Task.WhenAll(Silos.Select(s => s.DisposeAsync().AsTask()));
    }

    // Tests wait for failure detection; half-second heartbeats and a three second death timeout keep that short.
    private static void FastFailureDetection(SiloOptions options)
    {
        options.HeartbeatPeriod = TimeSpan.FromMilliseconds(500);
        options.ProbePeriod = TimeSpan.FromMilliseconds(500);
        options.DeathTimeout = TimeSpan.FromSeconds(3);
        options.CallTimeout = TimeSpan.FromSeconds(20);
    }
}

internal sealed class TestSilo(IHost host) : IAsyncDisposable
{
    private bool _stopped;

    public IServiceProvider Services => host.Services;

    public IGrainFactory GrainFactory => host.Services.GetRequiredService<IGrainFactory>();

    public IClusterManagement Management => host.Services.GetRequiredService<IClusterManagement>();

    public RuntimeCounters Counters => host.Services.GetRequiredService<RuntimeCounters>();

    public SiloAddress Address => host.Services.GetRequiredService<LocalSilo>().Address;

    public async Task WaitForActiveSilosAsync(int count)
    {
        var membership = host.Services.GetRequiredService<IMembershipView>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (membership.Current.ActiveSilos.Count < count)
        {
            await membership.RefreshAsync(TimeSpan.FromMilliseconds(200), timeout.Token);
        }
    }

    /// <summary>A graceful stop; <paramref name="deadline"/> is the host's stop deadline (default: the host's shutdown timeout).</summary>
    public async Task StopAsync(CancellationToken deadline = default)
    {
        if (!_stopped)
        {
            _stopped = true;
            await host.StopAsync(deadline);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        host.Dispose();
    }
}
