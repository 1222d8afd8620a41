using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansTenants.Runtime.Hosting;
using OrleansTenants.TestGrains;

// Configuration comes from the command line (--Silo:ConnectionString=...), like any .NET host.
var builder = Host.CreateApplicationBuilder(args);
var siloName = builder.Configuration["Silo:SiloName"] ?? $"test-silo-{Environment.ProcessId}";
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration["Silo:ConnectionString"]!));
builder.Services.AddSingleton(sp => new ActivationLog(sp.GetRequiredService<NpgsqlDataSource>(), siloName));
builder.Services.AddGrainSilo(builder.Configuration.GetSection(SiloOptions.SectionName))
    .AddGrain<ICounterGrain, CounterGrain>()
    .AddGrain<ILoggedGrain, LoggedGrain>();
using var host = builder.Build();
await host.RunAsync();
