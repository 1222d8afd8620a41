using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansTenants.TestSupport;

public static class ProcessState
{
    /// <summary>True while the process exists and is not a zombie (Linux /proc).</summary>
    public static bool IsAlive(int processId)
    {
        try
        {
            // Format: "pid (comm) state ..."; comm may contain spaces, so read the state after the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Waits (polling, with a deadline) until the process is gone.</summary>
    public static async Task WaitUntilGoneAsync(int processId, TimeSpan timeout)
    {
        var waiting = Stopwatch.StartNew();
        while (IsAlive(processId))
        {
            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"Process {processId} still runs after {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
