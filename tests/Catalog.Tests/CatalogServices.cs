using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansTenants.Catalog.Tests;

/// <summary>The Catalog project's real service registration, pointed at a test catalog database.</summary>
internal static class CatalogServices
{
    public static ServiceProvider Build(string catalogConnectionString, IReadOnlyDictionary<string, byte[]> keys, string activeKeyId)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Catalog"] = catalogConnectionString,
            ["Encryption:ActiveKeyId"] = activeKeyId,
        };
        foreach (var (id, key) in keys)
        {
            settings[$"Encryption:Keys:{id}"] = Convert.ToBase64String(key);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddTenantCatalog(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);
}
