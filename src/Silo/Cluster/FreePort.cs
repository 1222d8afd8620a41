using System.Net;
using System.Net.Sockets;

namespace OrleansTenants.Silo.Cluster;

/// <summary>
/// A TCP port free on this host now, for a silo or gateway port left unconfigured: Orleans needs a number before it
/// listens, and advertises it in the membership table, so several silos on one machine need no port settings.
/// </summary>
internal static class FreePort
{
    public static int Pick(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
