using System.Text;
using System.Text.Json;

/// <summary>
/// The bytes ChatKitServer writes for one turn and for one page of threads or items, captured from
/// the server (ids fixed), so the baseline sends the same frames without any of the server's work.
/// </summary>
internal static class Frames
{
    private const string ThreadId = "thr_356b9fb6b58bb78b0f887737";
    private const string UserId = "msg_562e282f3ad8e35a412924cb";
    private const string AnswerId = "msg_4db2272dd563eb8153ba0ec0";
    private const string Created = "2026-11-23T10:16:33.177433+00:00";

    private static string Thread(string? title) =>
        $$$"""{"items":{"data":[],"has_more":false},"id":"{{{ThreadId}}}",{{{(title is null ? "" : $"\"title\":{JsonSerializer.Serialize(title)},")}}}"created_at":"{{{Created}}}","status":{"type":"active"},"metadata":{}}""";

    private static string UserMessage(string text) =>
        $$"""{"type":"user_message","content":[{"type":"input_text","text":{{JsonSerializer.Serialize(text)}}}],"attachments":[],"inference_options":{},"id":"{{UserId}}","thread_id":"{{ThreadId}}","created_at":"{{Created}}"}""";

    private static string Answer(string text) =>
        $$"""{"type":"assistant_message","content":[{"type":"output_text","annotations":[],"text":{{JsonSerializer.Serialize(text)}}}],"id":"{{AnswerId}}","thread_id":"{{ThreadId}}","created_at":"{{Created}}"}""";

    private static byte[] Frame(string json) => Encoding.UTF8.GetBytes($"data: {json}\n\n");

    public static byte[] ThreadCreated { get; } = Frame($$"""{"type":"thread.created","thread":{{Thread(null)}}}""");

    public static byte[] UserMessageDone(string text) => Frame($$"""{"type":"thread.item.done","item":{{UserMessage(text)}}}""");

    /// <summary>stream_options, progress, the answer added and its content part started.</summary>
    public static byte[] AnswerStart { get; } = Frame("""{"type":"stream_options","stream_options":{"allow_cancel":true}}""")
        .Concat(Frame("""{"type":"progress_update","icon":"sparkle","text":"Analyzing your request..."}"""))
        .Concat(Frame($$"""{"type":"thread.item.added","item":{{Answer("")}}}"""))
        .Concat(Frame("{\"type\":\"thread.item.updated\",\"item_id\":\"" + AnswerId + "\",\"update\":{\"type\":\"assistant_message.content_part.added\",\"content_index\":0,\"content\":{\"type\":\"output_text\",\"annotations\":[],\"text\":\"\"}}}"))
        .ToArray();

    public static byte[] Delta(string chunk) =>
        Frame("{\"type\":\"thread.item.updated\",\"item_id\":\"" + AnswerId + "\",\"update\":{\"type\":\"assistant_message.content_part.text_delta\",\"content_index\":0,\"delta\":" + JsonSerializer.Serialize(chunk) + "}}");

    public static byte[] AnswerEnd(string text, string title) =>
        Frame("{\"type\":\"thread.item.updated\",\"item_id\":\"" + AnswerId + "\",\"update\":{\"type\":\"assistant_message.content_part.done\",\"content_index\":0,\"content\":{\"type\":\"output_text\",\"annotations\":[],\"text\":" + JsonSerializer.Serialize(text) + "}}}")
        .Concat(Frame($$"""{"type":"thread.item.done","item":{{Answer(text)}}}"""))
        .Concat(Frame($$"""{"type":"thread.updated","thread":{{Thread(title)}}}"""))
        .ToArray();

    /// <summary>A <c>threads.list</c> page of 20.</summary>
    public static byte[] ThreadsPage { get; } = Encoding.UTF8.GetBytes(
        $$"""{"data":[{{string.Join(",", Enumerable.Repeat(Thread("seed"), 20))}}],"has_more":true,"after":"{{ThreadId}}"}""");

    /// <summary>An <c>items.list</c> page of 20: ten user messages and their answers.</summary>
    public static byte[] ItemsPage { get; } = Encoding.UTF8.GetBytes(
        $$"""{"data":[{{string.Join(",", Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? UserMessage("seed") : Answer("ok")))}}],"has_more":true,"after":"{{AnswerId}}"}""");
}
