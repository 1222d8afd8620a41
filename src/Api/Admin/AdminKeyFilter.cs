using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansTenants.Api.Http;

namespace OrleansTenants.Api.Admin;

/// <summary>Admits a request only with the configured admin key, compared in constant time.</summary>
public sealed class AdminKeyFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.Value.ApiKey;
        var presented = BearerToken.From(context.HttpContext.Request);
        if (string.IsNullOrEmpty(expected) || presented is null
            || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiProblems.Unauthorized(string.IsNullOrEmpty(expected)
                ? "The admin API is disabled: no Admin:ApiKey is configured."
                : "Send the admin key as 'Authorization: Bearer <key>'.");
        }

        return await next(context);
    }
}
