using System.Text.RegularExpressions;
using OrleansTenants.Api.Http;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tenants;

/// <summary>
/// What every CRM endpoint refuses without asking the grain: no key (401), a tenant id that cannot exist or an unknown
/// resource (404), a row id that is not a UUID (400). What passes is handed on as a <see cref="CrmCall"/>.
/// </summary>
public sealed partial class CrmRequestFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var tenantId = (string)http.GetRouteValue("tenantId")!;
        var resource = (string)http.GetRouteValue("resource")!;
        if (BearerToken.From(http.Request) is not { } key)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Refuse(ApiProblems.Unauthorized("Send the tenant's API key as 'Authorization: Bearer <key>'."));
        }

        if (!TenantId().IsMatch(tenantId))
        {
            return Refuse(ApiProblems.NoTenant(tenantId));
        }

        if (!CrmResources.TryGet(resource, out _))
        {
            return Refuse(ApiProblems.NotFound($"There is no resource '{resource}'. Resources: {string.Join(", ", CrmResources.All.Select(r => r.Name))}."));
        }

        var rowId = Guid.Empty;
        if (http.GetRouteValue("id") is string id && !Guid.TryParse(id, out rowId))
        {
            return Refuse(ApiProblems.Field("id", "is not a UUID"));
        }

        http.Features.Set(new CrmCall(tenantId, resource, ApiKeyCatalog.Hash(key), rowId));
        return next(context);
    }

    private static ValueTask<object?> Refuse(IResult problem) => ValueTask.FromResult<object?>(problem);

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex TenantId();
}
