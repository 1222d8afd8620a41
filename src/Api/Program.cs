using OrleansTenants.Api;
using OrleansTenants.Api.Cluster;
using OrleansTenants.Api.Health;
using OrleansTenants.Grains;

// The API on its own, as an Orleans cluster client: it finds the silos' gateways in the membership table and
// sends every grain call through them.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTenantApi(builder.Configuration);
builder.Services.AddTenantAdministration();
builder.Services.AddHealthChecks().AddCheck<ClusterClientHealthCheck>("cluster", tags: [HealthApi.ReadinessTag]);
builder.UseOrleansClient(client => client
    .Configure<Orleans.Configuration.ClusterOptions>(o => ClusterIdentity.ApplyDefaults(o, builder.Configuration))
    .UseAdoNetClustering(o =>
    {
        o.Invariant = ClusterDatabase.Invariant;
        o.ConnectionString = ClusterDatabase.ConnectionString(builder.Configuration);
    }));

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapTenantApi();
app.Run();
