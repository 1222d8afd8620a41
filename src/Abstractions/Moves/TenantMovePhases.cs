namespace OrleansTenants.Abstractions.Moves;

/// <summary>The phases of an online move, as <c>catalog.tenant_moves.phase</c> names them.</summary>
public static class TenantMovePhases
{
    public const string Preparing = "preparing";
    public const string Copying = "copying";
    public const string CatchingUp = "catching-up";
    public const string CuttingOver = "cutting-over";
    public const string CleaningUp = "cleaning-up";
}
