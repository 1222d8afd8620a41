namespace OrleansTenants.Abstractions.Administration;

// The admin API's answers, shared by the API (which writes them) and the CLI (which reads them), as the requests are
// in AdminRequests.cs: one contract, so the two cannot drift. None carries a secret but ApiKeyView, shown once.

/// <summary>A tenant as admins see it: placement, status and where it is active, never a secret.</summary>
public sealed record TenantView(
    string Id,
    string Name,
    string? Industry,
    string Status,
    PlacementView Placement,
    string? Activation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record PlacementView(string Mode, string Database, bool OwnConnectionSettings, int MaxPoolSize, int MaxConcurrency);

/// <summary>A key just issued: the only answer that holds one, so its text form leaves it out.</summary>
public sealed record ApiKeyView(Guid Id, string Key)
{
    public override string ToString() => $"ApiKeyView {{ Id = {Id} }}";
}

public sealed record DeactivationView(bool Deactivated);

public sealed record ShardSetView(string Name, IReadOnlyList<string> Databases);

public sealed record ClusterView(IReadOnlyList<SiloView> Silos);

public sealed record SiloView(string Address, string Name, string? Url, string Status, int Activations, DateTimeOffset StartedAt);

/// <summary>A registered database as shown to admins: no connection settings.</summary>
public sealed record DatabaseRecord(string Name, string Kind, string? ShardSet, int? ShardIndex, DateTimeOffset CreatedAt);

/// <summary>How many stored values a rotation re-encrypted.</summary>
public sealed record KeyRotationResult(string ActiveKeyId, int DatabaseSecrets, int TenantSecrets);
