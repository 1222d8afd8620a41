namespace OrleansTenants.Runtime.Membership;

/// <summary>A member's state in the membership table. Only <see cref="Active"/> silos receive new activations.</summary>
public enum SiloStatus
{
    Active,
    ShuttingDown,
    Dead,
}
