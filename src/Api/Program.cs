using OrleansTenants.Api;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTenantApi(builder.Configuration);

var app = builder.Build();
app.MapTenantApi();
app.Run();
