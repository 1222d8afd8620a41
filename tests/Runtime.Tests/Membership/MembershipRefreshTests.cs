using System.Collections.Concurrent;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.TestGrains;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Runtime.Tests.Membership;

/// <summary>A cluster client whose database is down reads membership once per probe period, however often calls ask.</summary>
public sealed class MembershipRefreshTests
{
    [Fact]
    public async Task Calls_asking_for_fresh_membership_while_the_database_is_down_do_not_turn_the_reads_into_a_busy_loop()
    {
        // Nothing listens on the port: every read fails at once, the fastest way a loop could spin.
        var port = RestartablePostgres.FreeLoopbackPort();
        var logs = new CountingLoggerProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=nobody;Password=none;Database=none",
        });
        builder.Logging.AddProvider(logs);
        builder.Services.AddGrainClient(builder.Configuration.GetSection(SiloOptions.SectionName), o =>
            {
                o.ProbePeriod = TimeSpan.FromMilliseconds(500);
                o.CallTimeout = TimeSpan.FromSeconds(3);
            })
            .AddGrain<ICounterGrain, CounterGrain>();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            // With no silo known, the call asks for a fresh view every half second until its deadline.
            await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("anyone").Invoking(g => g.IncrementAsync())
                .Should().ThrowAsync<TimeoutException>();

            logs.Count("Reading cluster membership failed").Should().BeInRange(2, 12, "about one read per 500 ms probe period over 3 s");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed class CountingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();

        public int Count(string message) => _counts.GetValueOrDefault(message);

        public ILogger CreateLogger(string categoryName) => new CountingLogger(_counts);

        public void Dispose()
        {
        }

        private sealed class CountingLogger(ConcurrentDictionary<string, int> counts) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                counts.AddOrUpdate(formatter(state, exception), 1, (_, n) => n + 1);
        }
    }
}
