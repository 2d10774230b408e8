using System.Diagnostics;
using System.Text;
using ChatKit;
using ChatKit.Json;
using ChatKitServer.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ChatKitServer.Tests;

/// <summary>
/// Graceful shutdown, on a real server process: on SIGTERM an open stream gets the grace period,
/// then ends with a retryable error event; its partial answer is saved; the process exits.
/// </summary>
public class ShutdownTests
{
    [Test]
    public async Task On_SIGTERM_an_open_stream_ends_with_an_error_event_and_nothing_is_half_written()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Sends SIGTERM with kill(1): Linux only.");
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-shutdown", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "script.json");
        await File.WriteAllTextAsync(script, """{ "turns": [ { "match": "*", "reply": ["one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight"], "delayMs": 400 } ] }""");
        var database = Path.Combine(folder, "chatkit.db");
        var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Assistant__Provider"] = "Scripted", ["Assistant__ScriptPath"] = script,
            ["Assistant__AutoTitles"] = "false", ["ChatKit__ShutdownGraceSeconds"] = "1", ["ChatKit__KeepAliveSeconds"] = "0.2",
            ["ConnectionStrings__ChatKit"] = $"Data Source={database}",
        });
        try
        {
            var http = server.Http;
            var body = """{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"go"}],"attachments":[],"inference_options":{}}}}""";
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/chatkit") { Content = new StringContent(body, Encoding.UTF8, "application/json") }, HttpCompletionOption.ResponseHeadersRead);
            var reading = new StreamReader(await response.Content.ReadAsStreamAsync()).ReadToEndAsync();
            await Task.Delay(1500); // a few words are out
            var clock = Stopwatch.StartNew();
            server.Signal("TERM");
            var raw = await reading.WaitAsync(TimeSpan.FromSeconds(20));
            (await server.WaitExitAsync(TimeSpan.FromSeconds(15))).Should().BeTrue("the server exits after the grace period");
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));

            var frames = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith("data: ")).ToList();
            var last = ChatKitJson.Deserialize<ThreadStreamEvent>(frames[^1]["data: ".Length..]);
            last.Should().BeOfType<ErrorEvent>().Which.AllowRetry.Should().BeTrue();

            await using var db = new SqliteConnection($"Data Source={database}");
            await db.OpenAsync();
            var command = db.CreateCommand();
            command.CommandText = "SELECT json FROM chatkit_items ORDER BY sequence";
            var items = new List<ThreadItem>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) items.Add(ChatKitJson.Deserialize<ThreadItem>(reader.GetString(0)));
            items.Select(i => i.Kind).Should().Equal("user_message", "assistant_message", "sdk_hidden_context");
            ((AssistantMessageItem)items[1]).Text.Should().StartWith("one two ").And.NotContain("eight");
        }
        finally
        {
            server.Dispose();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { /* left for the OS to clean */ }
        }
    }
}
