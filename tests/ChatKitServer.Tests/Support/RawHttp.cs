using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatKitServer.Tests.Support;

/// <summary>
/// A raw HTTP/1.1 connection to a real server, for what HttpClient will not do: declare a body and
/// send only part of it, trickle bytes, and see when the server answers and when it closes.
/// </summary>
public sealed class RawHttp : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _received = [];

    private RawHttp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(Uri server)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        return new RawHttp(tcp);
    }

    /// <summary>Request line and headers (a <c>Host</c> header is added).</summary>
    public Task SendHeadAsync(string method, string path, params string[] headers) =>
        SendAsync($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n");

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends <paramref name="chunk"/> bytes every <paramref name="gap"/> until cancelled or the server closes; returns the bytes sent.</summary>
    public async Task<long> TrickleAsync(int chunk, TimeSpan gap, CancellationToken ct)
    {
        var bytes = Enumerable.Repeat((byte)'a', chunk).ToArray();
        long sent = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await _stream.WriteAsync(bytes, ct);
                sent += chunk;
                await Task.Delay(gap, ct);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the server closed the connection, or the test is done sending
        }
        return sent;
    }

    /// <summary>The response (status, headers, body), or null when none came within <paramref name="timeout"/> or the connection closed first.</summary>
    public async Task<RawResponse?> ReadResponseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (RawResponse.TryParse(_received.ToArray(), out var response)) return response;
                if (await ReadSomeAsync(cts.Token) == 0)
                    return RawResponse.TryParse(_received.ToArray(), out response, closed: true) ? response : null;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (what arrives meanwhile is kept).</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await ReadSomeAsync(cts.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<int> ReadSomeAsync(CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var read = await _stream.ReadAsync(buffer, ct);
        _received.AddRange(buffer.AsSpan(0, read));
        return read;
    }

    /// <summary>Everything the server sent so far.</summary>
    public byte[] Received => [.. _received];

    public void Dispose() => _tcp.Dispose();
}

/// <summary>An HTTP/1.1 response read off the wire (Content-Length, chunked, or up to the close).</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public static bool TryParse(byte[] data, out RawResponse? response, bool closed = false)
    {
        response = null;
        var text = Encoding.UTF8.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var rest = text[(end + 4)..];
        string body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            if (Encoding.UTF8.GetByteCount(rest) < int.Parse(length)) return false;
            body = rest;
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked"))
        {
            if (!rest.Contains("0\r\n\r\n")) return false;
            var decoded = new StringBuilder();
            var at = 0;
            while (true)
            {
                var eol = rest.IndexOf("\r\n", at, StringComparison.Ordinal);
                var size = Convert.ToInt32(rest[at..eol], 16);
                if (size == 0) break;
                decoded.Append(rest.AsSpan(eol + 2, size));
                at = eol + 2 + size + 2;
            }
            body = decoded.ToString();
        }
        else
        {
            if (!closed) return false;
            body = rest;
        }
        response = new RawResponse(status, headers, body);
        return true;
    }
}
