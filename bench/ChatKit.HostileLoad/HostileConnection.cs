using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// One raw HTTP/1.1 connection that declares a large body and then either stops after a few bytes
/// (a lying Content-Length) or trickles it slowly; records when an answer came, its status, and when
/// the server closed the connection.
/// </summary>
sealed class HostileConnection(int port, string path, long declaredBytes)
{
    public TimeSpan? AnsweredAfter { get; private set; }
    public int? Status { get; private set; }
    public bool ProblemDetails { get; private set; }
    public TimeSpan? ClosedAfter { get; private set; }
    public string? Failure { get; private set; }
    public long BytesSent { get; private set; }

    /// <summary>Sends the head and <paramref name="firstBytes"/>, then <paramref name="trickle"/> bytes every <paramref name="gap"/> (none when 0) until the server closes or <paramref name="giveUp"/> passes.</summary>
    public async Task RunAsync(int firstBytes, int trickle, TimeSpan gap, TimeSpan giveUp)
    {
        try
        {
            await RunCoreAsync(firstBytes, trickle, gap, giveUp);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            Failure = ex.Message; // the connection could not be made or was refused: reported, not counted as closed in time
        }
    }

    private async Task RunCoreAsync(int firstBytes, int trickle, TimeSpan gap, TimeSpan giveUp)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(giveUp);
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {declaredBytes}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "{\"type\":\"threads.list\",\"params\":{},\"metadata\":{\"x\":\"" + new string('a', Math.Max(0, firstBytes - 50))), stop.Token);
        var sending = trickle > 0 ? TrickleAsync(stream, trickle, gap, stop.Token) : Task.CompletedTask;
        await ReadUntilClosedAsync(stream, clock, stop.Token);
        await stop.CancelAsync();
        await sending;
    }

    private async Task TrickleAsync(NetworkStream stream, int bytes, TimeSpan gap, CancellationToken ct)
    {
        var chunk = Enumerable.Repeat((byte)'a', bytes).ToArray();
        try
        {
            while (true)
            {
                await Task.Delay(gap, ct);
                await stream.WriteAsync(chunk, ct);
                BytesSent += bytes;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // closed by the server, or the run is over
        }
    }

    private async Task ReadUntilClosedAsync(NetworkStream stream, Stopwatch clock, CancellationToken ct)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (Status is null && received.ToString() is var text && text.Contains("\r\n\r\n"))
                {
                    AnsweredAfter = clock.Elapsed;
                    Status = int.Parse(text.Split(' ', 3)[1]);
                }
            }
            ClosedAfter = clock.Elapsed;
        }
        catch (IOException)
        {
            ClosedAfter = clock.Elapsed; // reset by the server
        }
        catch (OperationCanceledException)
        {
            // still open when the run gave up on it
        }
        ProblemDetails = received.ToString().Contains("application/problem+json");
    }
}
