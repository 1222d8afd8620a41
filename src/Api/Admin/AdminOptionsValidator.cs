using Microsoft.Extensions.Options;

namespace OrleansTenants.Api.Admin;

/// <summary>No admin key leaves the admin API disabled (every call 401); a key that is set must not be guessable. Never echoes it.</summary>
public sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public const int MinimumKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ApiKey is null || options.ApiKey.Length >= MinimumKeyLength
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{AdminOptions.SectionName}:ApiKey is shorter than {MinimumKeyLength} characters.");
    }
}
