using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>This process's silo identity, known once the internal endpoint is bound, and whether it serves calls.</summary>
internal sealed class LocalSilo
{
    private SiloAddress? _address;
    private volatile bool _serving;

    public SiloAddress Address => _address ?? throw new InvalidOperationException("The silo has not started.");

    public bool IsStarted => _address is not null;

    /// <summary>False before the silo joined, while it shuts down, and once it suspects it has been declared dead.</summary>
    public bool IsServing
    {
        get => _serving;
        set => _serving = value;
    }

    public void SetAddress(SiloAddress address) => _address = address;
}
