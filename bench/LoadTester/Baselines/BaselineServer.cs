using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.Catalog.Secrets;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Crm;
using OrleansTenants.Grains.Tenants;

namespace OrleansTenants.LoadTester.Baselines;

/// <summary>
/// The <c>serve</c> command: one process of a baseline design (<c>direct</c> or <c>ttl-cache</c>) behind the same HTTP
/// shapes as the platform's tenant API (<c>GET|POST /api/tenants/{t}/{resource}</c>, <c>GET|PATCH|DELETE
/// /api/tenants/{t}/{resource}/{id}</c>), running the same CRM SQL (<see cref="CrmRepository"/>) in the same kind of
/// unit of work (a transaction with <c>app.tenant_id</c> and a statement timeout set locally). It reads the catalog
/// given in <c>ConnectionStrings__Catalog</c> and decrypts settings with the keys in <c>Encryption__*</c>.
/// </summary>
internal static class BaselineServer
{
    public const string Direct = "direct";
    public const string TtlCache = "ttl-cache";

    public static async Task<int> RunAsync(string design, string urls, CancellationToken cancellationToken)
    {
        if (design is not (Direct or TtlCache))
        {
            await Console.Error.WriteLineAsync($"--design must be {Direct} or {TtlCache}.");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(urls);
        var catalogConnectionString = builder.Configuration.GetConnectionString(CatalogOptions.ConnectionStringName)
            ?? throw new InvalidOperationException("Set ConnectionStrings__Catalog.");
        var encryption = new EncryptionOptions();
        builder.Configuration.GetSection(EncryptionOptions.SectionName).Bind(encryption);

        await using var catalog = new CatalogDatabase(NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(catalogConnectionString)
        {
            ApplicationName = design + "-catalog",
        }.ConnectionString));
        var loader = new TenantConfigurationLoader(catalog, new SecretProtector(Options.Create(encryption)));
        await using ITenantBackend backend = design == Direct
            ? await DirectBackend.CreateAsync(catalog, loader, cancellationToken)
            : new TtlCacheBackend(loader, TimeProvider.System);

        await using var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("{\"status\":\"healthy\"}", "application/json"));
        MapCrm(app, backend);
        if (backend is TtlCacheBackend cache)
        {
            app.MapPost("/admin/cache/clear/{tenantId}", (string tenantId) =>
            {
                cache.Clear(tenantId);
                return Results.NoContent();
            });
            app.MapGet("/admin/cache", () => Results.Json(cache.Stats));
        }

        await app.RunAsync(cancellationToken);
        return 0;
    }

    private static void MapCrm(WebApplication app, ITenantBackend backend)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/{resource}");
        group.MapGet("/", (string tenantId, string resource, HttpContext context) =>
            RunAsync(context, backend, tenantId, resource, null, async (connection, definition, tenant, ct) =>
            {
                var query = context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
                return (200, await CrmRepository.ListAsync(connection, definition, tenant, ListQuery.Parse(definition, query), ListQuery.DefaultExactCountCap, ct));
            }));
        group.MapGet("/{id}", (string tenantId, string resource, string id, HttpContext context) =>
            RunAsync(context, backend, tenantId, resource, id, async (connection, definition, tenant, ct) =>
                await CrmRepository.GetAsync(connection, definition, tenant, Guid.Parse(id), ct) is { } json ? (200, json) : (404, null)));
        group.MapPost("/", async (string tenantId, string resource, HttpContext context) =>
        {
            using var body = await ReadBodyAsync(context);
            return body is null
                ? Problem(400, "The request body is not a JSON object.")
                : await RunAsync(context, backend, tenantId, resource, null, async (connection, definition, tenant, ct) =>
                {
                    var key = context.Request.Headers["Idempotency-Key"].ToString();
                    var (_, json, rowId) = await CrmRepository.CreateAsync(connection, definition, tenant, body.RootElement, key.Length == 0 ? null : key, ct);
                    context.Response.Headers.Location = $"/api/tenants/{tenantId}/{resource}/{rowId}";
                    return (201, json);
                });
        });
        group.MapPatch("/{id}", async (string tenantId, string resource, string id, HttpContext context) =>
        {
            using var body = await ReadBodyAsync(context);
            return body is null
                ? Problem(400, "The request body is not a JSON object.")
                : await RunAsync(context, backend, tenantId, resource, id, async (connection, definition, tenant, ct) =>
                    await CrmRepository.PatchAsync(connection, definition, tenant, Guid.Parse(id), body.RootElement, ct) is { } json ? (200, json) : (404, null));
        });
        group.MapDelete("/{id}", (string tenantId, string resource, string id, HttpContext context) =>
            RunAsync(context, backend, tenantId, resource, id, async (connection, definition, tenant, ct) =>
                await CrmRepository.DeleteAsync(connection, definition, tenant, Guid.Parse(id), ct) ? (204, null) : (404, null)));
    }

    private static async Task<IResult> RunAsync(
        HttpContext context,
        ITenantBackend backend,
        string tenantId,
        string resource,
        string? id,
        Func<NpgsqlConnection, ResourceDefinition, string, CancellationToken, Task<(int Status, byte[]? Json)>> operation)
    {
        if (!CrmResources.TryGet(resource, out var definition))
        {
            return Problem(404, $"There is no resource '{resource}'.");
        }

        if (id is not null && !Guid.TryParse(id, out _))
        {
            return Problem(400, "id: is not a UUID");
        }

        var cancellationToken = context.RequestAborted;
        var header = context.Request.Headers.Authorization.ToString();
        var key = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim() : null;
        var (outcome, lease) = await backend.AcquireAsync(tenantId, key, cancellationToken);
        if (outcome == LeaseOutcome.UnknownTenant)
        {
            return Problem(404, $"There is no tenant '{tenantId}'.");
        }

        if (outcome == LeaseOutcome.Unauthorized)
        {
            return Problem(401, "The API key is not valid for this tenant.");
        }

        try
        {
            await using var connection = await lease.DataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var session = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)", connection))
            {
                session.Parameters.AddWithValue(lease.DataTenantId);
                session.Parameters.AddWithValue(((long)BaselineDataSource.Options.StatementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
                await session.ExecuteNonQueryAsync(cancellationToken);
            }

            var (status, json) = await operation(connection, definition, lease.DataTenantId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return json is not null
                ? new JsonBytes(json, status)
                : status == 404 ? Problem(404, $"There is no {definition.Name} row with id {id}.") : Results.StatusCode(status);
        }
        catch (CrmValidationException invalid)
        {
            return Problem(400, invalid.Message);
        }
        catch (CrmConflictException conflict)
        {
            return Problem(409, conflict.Message);
        }
        catch (CrmIdempotencyConflictException mismatch)
        {
            return Problem(422, mismatch.Message);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            context.Response.Headers.RetryAfter = "1";
            return Problem(503, $"The tenant's database is unreachable ({ex.GetType().Name}: {ex.Message})");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // What such a design answers when, say, the cache disposed the client under a running request.
            return Problem(500, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "53300" or "57P01" or "57P02" or "57P03" or "57014",
        NpgsqlException => true,
        TimeoutException => true,
        _ => false,
    };

    private static async Task<JsonDocument?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON body written as it is, with a status code.</summary>
    private sealed class JsonBytes(byte[] json, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json";
            httpContext.Response.ContentLength = json.Length;
            return httpContext.Response.Body.WriteAsync(json).AsTask();
        }
    }

    private static IResult Problem(int status, string detail) =>
        Results.Text(JsonSerializer.Serialize(new { status, detail }), "application/problem+json", statusCode: status);
}
