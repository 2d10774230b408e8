using System.Net.Sockets;
using System.Text;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// A client that goes away before its request's body arrived is logged as 499 ("client closed request") at Information, not
/// as a 400 at Warning: nothing was wrong with the request, and nobody was there to read an answer. Through real Kestrel
/// (a process of its own), which is what notices the closed connection.
/// </summary>
public class ClientGoneTests
{
    [Test]
    public async Task A_client_that_closes_before_its_body_arrived_is_logged_as_499_not_as_a_bad_request()
    {
        var folder = Directory.CreateTempSubdirectory("chatkit-client-gone-").FullName;
        using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__ChatKit"] = $"Data Source={Path.Combine(folder, "chatkit.db")}",
            ["Serilog__MinimumLevel__Default"] = "Information",
        });
        try
        {
            var body = """{"type":"threads.list","params":{"limit":5}}"""u8.ToArray();
            var head = Encoding.ASCII.GetBytes($"POST /chatkit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
            using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
            {
                await socket.ConnectAsync(server.Http.BaseAddress!.Host, server.Http.BaseAddress.Port);
                await socket.SendAsync(head);
                await socket.SendAsync(body.AsMemory(0, body.Length / 2)); // half the body, then gone
            }

            (await server.WaitForOutputAsync("responded 499", TimeSpan.FromSeconds(20))).Should().BeTrue(server.Output);
            server.Output.Should().Contain(" INF] Serilog.AspNetCore.RequestLoggingMiddleware: HTTP POST /chatkit responded 499");
            server.Output.Should().NotContain("responded 400");

            // A body that is really bad, from a client that waits for the answer, is still a 400 with its reason.
            using var bad = await server.Http.PostAsync("/chatkit", new StringContent("""{"type":"threads.list","params":{"limit":"x"}}""", Encoding.UTF8, "application/json"));
            ((int)bad.StatusCode).Should().Be(400);
            (await bad.Content.ReadAsStringAsync()).Should().Contain("params.limit");
        }
        finally
        {
            server.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
