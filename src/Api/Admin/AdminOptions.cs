namespace OrleansTenants.Api.Admin;

/// <summary>The admin key, from <c>Admin:ApiKey</c>.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public string? ApiKey { get; set; }
}
