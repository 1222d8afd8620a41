namespace OrleansTenants.Api.Tenants;

/// <summary>A CRM request that passed <see cref="CrmRequestFilter"/>: whose, which resource, the key's hash, the row.</summary>
public sealed record CrmCall(string TenantId, string Resource, byte[] KeyHash, Guid RowId)
{
    public static CrmCall Of(HttpContext context) =>
        context.Features.Get<CrmCall>() ?? throw new InvalidOperationException($"{nameof(CrmRequestFilter)} must run before a CRM handler.");
}
