using Microsoft.Extensions.Options;

namespace OrleansTenants.Api.Http;

public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxBodyBytes >= 1024
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ApiOptions.SectionName}:MaxBodyBytes must be at least 1024 bytes.");
    }
}
