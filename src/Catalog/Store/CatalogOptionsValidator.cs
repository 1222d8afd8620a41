using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansTenants.Catalog.Store;

/// <summary>Refuses a missing or unparseable catalog connection string at start; the messages never echo it (it holds a password).</summary>
public sealed class CatalogOptionsValidator : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"ConnectionStrings:{CatalogOptions.ConnectionStringName} is not configured.");
        }

        try
        {
            return string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(options.ConnectionString).Host)
                ? ValidateOptionsResult.Fail($"ConnectionStrings:{CatalogOptions.ConnectionStringName} names no Host.")
                : ValidateOptionsResult.Success;
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Fail($"ConnectionStrings:{CatalogOptions.ConnectionStringName} is not a valid PostgreSQL connection string.");
        }
    }
}
