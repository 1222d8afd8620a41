using System.Collections.Concurrent;
using Orleans.Providers;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// This silo's tenant activations, and the control command that ends one: <see cref="TenantActivations"/> sends it
/// to every silo through Orleans' management grain and gets its answer once the activation is gone (its pool
/// disposed, its directory entry removed), not merely scheduled to go as <c>DeactivateOnIdle</c> would.
/// </summary>
public sealed class TenantActivationControl : IControllable
{
    public const string ProviderName = "tenant-activations";
    public const int DeactivateCommand = 1;

    private readonly ConcurrentDictionary<string, IGrainContext> _activations = new(StringComparer.Ordinal);

    public async Task<object?> ExecuteCommand(int command, object? arg)
    {
        if (command != DeactivateCommand || arg is not string tenantId)
        {
            throw new ArgumentException($"Command {command} with {arg?.GetType().Name ?? "no argument"} is not a command of {ProviderName}.");
        }

        if (!_activations.TryGetValue(tenantId, out var activation))
        {
            return false;
        }

        // Orleans waits for the calls running in it; calls that arrive meanwhile go to the next activation.
        activation.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "An admin change to the tenant."));
        await activation.Deactivated;
        return true;
    }

    internal void Register(string tenantId, IGrainContext activation) => _activations[tenantId] = activation;

    internal void Unregister(string tenantId, IGrainContext activation) => _activations.TryRemove(KeyValuePair.Create(tenantId, activation));
}
