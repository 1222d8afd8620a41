namespace OrleansTenants.Api;

/// <summary>HTTP API settings, bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest request body accepted; larger ones are answered 413 without being read further.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;
}

/// <summary>The admin key, from <c>Admin:ApiKey</c>.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public string? ApiKey { get; set; }
}
