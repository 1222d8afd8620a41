using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>This process's silo identity, known once the internal endpoint is bound, and whether it serves calls.</summary>
internal sealed class LocalSilo
{
    private const int NotJoined = 0;
    private const int Serving = 1;
    private const int Fenced = 2;
    private const int Stopped = 3;

    private SiloAddress? _address;
    private int _state = NotJoined;

    public SiloAddress Address => _address ?? throw new InvalidOperationException("The silo has not started.");

    public bool IsStarted => _address is not null;

    /// <summary>False before the silo joined, while it suspects it has been declared dead, and once it stops.</summary>
    public bool IsServing => Volatile.Read(ref _state) == Serving;

    /// <summary>Not serving because it could not heartbeat for a while; it may serve again.</summary>
    public bool IsFenced => Volatile.Read(ref _state) == Fenced;

    public void SetAddress(SiloAddress address) => _address = address;

    /// <summary>The silo joined: it serves until fenced or stopped.</summary>
    public void StartServing() => Interlocked.CompareExchange(ref _state, Serving, NotJoined);

    /// <summary>Stops serving until <see cref="TryUnfence"/>; true if it was serving.</summary>
    public bool TryFence() => Interlocked.CompareExchange(ref _state, Fenced, Serving) == Serving;

    /// <summary>Serves again after a fence; never once the silo is stopping.</summary>
    public bool TryUnfence() => Interlocked.CompareExchange(ref _state, Serving, Fenced) == Fenced;

    /// <summary>Stops serving for good (shutdown, or declared dead).</summary>
    public void StopServing() => Interlocked.Exchange(ref _state, Stopped);
}
