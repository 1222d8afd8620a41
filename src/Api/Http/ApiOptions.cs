namespace OrleansTenants.Api.Http;

/// <summary>HTTP API settings, bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest request body accepted; larger ones are answered 413 without being read further.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;
}
