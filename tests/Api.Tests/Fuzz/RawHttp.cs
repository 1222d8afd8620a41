using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// HTTP/1.0 over a plain socket, for requests HttpClient will not send as they are: repeated header lines, NUL or
/// non-ASCII bytes in a header, raw bytes in the request target. The response is read until the server closes.
/// </summary>
internal static class RawHttp
{
    public static async Task<Reply> SendAsync(Uri server, string method, byte[] target, IEnumerable<(string Name, byte[] Value)> headers, byte[]? body = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        var request = new List<byte>();
        request.AddRange(Encoding.ASCII.GetBytes(method + " "));
        request.AddRange(target);
        request.AddRange(Encoding.ASCII.GetBytes($" HTTP/1.0\r\nHost: {server.Authority}\r\nContent-Length: {body?.Length ?? 0}\r\n"));
        foreach (var (name, value) in headers)
        {
            request.AddRange(Encoding.ASCII.GetBytes(name + ": "));
            request.AddRange(value);
            request.AddRange("\r\n"u8.ToArray());
        }

        request.AddRange("\r\n"u8.ToArray());
        request.AddRange(body ?? []);
        await stream.WriteAsync(request.ToArray());

        using var response = new MemoryStream();
        await stream.CopyToAsync(response);
        var text = Encoding.UTF8.GetString(response.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = text[..headEnd].Split("\r\n");
        var contentType = head.Skip(1).Select(h => h.Split(':', 2)).Where(h => h[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(h => h[1].Split(';')[0].Trim()).FirstOrDefault();
        return new Reply((HttpStatusCode)int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), contentType, text[(headEnd + 4)..]);
    }

    public static (string, byte[]) Header(string name, string value) => (name, Encoding.ASCII.GetBytes(value));
}
