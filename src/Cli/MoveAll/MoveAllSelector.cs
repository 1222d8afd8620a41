using OrleansTenants.Abstractions.Administration;

namespace OrleansTenants.Cli.MoveAll;

/// <summary>
/// Which tenants a <c>tenants move-all</c> run takes: every condition given must hold (none given selects nothing, so a
/// typo cannot move the whole catalog). Only active tenants are taken; the others are listed as skipped.
/// </summary>
internal sealed record MoveAllSelector(string? FromMode, IReadOnlyList<string> FromDatabases, string? Industry, IReadOnlyList<string> Tenants)
{
    public bool IsEmpty => FromMode is null && FromDatabases.Count == 0 && Industry is null && Tenants.Count == 0;

    public bool Matches(TenantView tenant) =>
        (FromMode is null || tenant.Placement.Mode == FromMode)
        && (FromDatabases.Count == 0 || FromDatabases.Contains(tenant.Placement.Database, StringComparer.Ordinal))
        && (Industry is null || string.Equals(tenant.Industry, Industry, StringComparison.OrdinalIgnoreCase))
        && (Tenants.Count == 0 || Tenants.Contains(tenant.Id, StringComparer.Ordinal));

    public override string ToString()
    {
        var conditions = new List<string>();
        if (FromMode is not null)
        {
            conditions.Add($"placed {FromMode}");
        }

        if (FromDatabases.Count > 0)
        {
            conditions.Add($"in {string.Join(" or ", FromDatabases)}");
        }

        if (Industry is not null)
        {
            conditions.Add($"of industry {Industry}");
        }

        if (Tenants.Count > 0)
        {
            conditions.Add($"named {string.Join(", ", Tenants)}");
        }

        return string.Join(", ", conditions);
    }
}
