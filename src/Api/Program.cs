using OrleansTenants.Api;
using OrleansTenants.Grains;
using OrleansTenants.Runtime.Hosting;

// The API on its own, as a cluster client: it reads membership from the catalog database and sends
// each call straight to the silo that owns the tenant's grain.
var builder = WebApplication.CreateBuilder(args);
var catalog = builder.Configuration.GetConnectionString("Catalog")
    ?? throw new InvalidOperationException("Set ConnectionStrings__Catalog: the standalone API joins the silos' cluster through the catalog database.");
builder.Services.AddTenantApi(builder.Configuration);
builder.Services.AddGrainClient(builder.Configuration.GetSection(SiloOptions.SectionName), o => o.ConnectionString = string.IsNullOrEmpty(o.ConnectionString) ? catalog : o.ConnectionString)
    .AddTenantGrains(builder.Configuration);

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapTenantApi();
app.Run();
