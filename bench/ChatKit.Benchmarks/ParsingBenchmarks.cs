using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace ChatKit.Benchmarks;

/// <summary>
/// <see cref="ChatKitRequestParser.Parse(ReadOnlySpan{byte}, ChatKitRequestLimits?)"/> on request bodies as UTF-8 bytes, the
/// way <c>ChatKitController</c> calls it after reading the body. The "Body bytes" column is the body's size.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ParsingBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new TagColumn("Body bytes", method => BodyOf(method) is { } body ? body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?"));
    }

    private byte[] _create = null!;
    private byte[] _addUserMessage4K = null!;
    private byte[] _itemsList = null!;

    // As a browser's JSON.stringify writes it: apostrophes and non-ASCII left as they are.
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s, Relaxed);

    internal static byte[] CreateBody() => Encoding.UTF8.GetBytes(
        "{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"What's the weather like in Paris today?\"}],\"attachments\":[],\"inference_options\":{}}},\"metadata\":{}}");

    internal static byte[] AddUserMessageBody() => Encoding.UTF8.GetBytes(
        "{\"type\":\"threads.add_user_message\",\"params\":{\"thread_id\":\"" + SampleData.ThreadId + "\",\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":" + Json(SampleData.Prose(4096)) + "}],\"attachments\":[],\"quoted_text\":null,\"inference_options\":{\"tool_choice\":null,\"model\":null}}},\"metadata\":{}}");

    internal static byte[] ItemsListBody() => Encoding.UTF8.GetBytes(
        "{\"type\":\"items.list\",\"params\":{\"thread_id\":\"" + SampleData.ThreadId + "\",\"limit\":20,\"order\":\"desc\",\"after\":\"" + SampleData.PreviousItemId + "\"},\"metadata\":{}}");

    private static byte[]? BodyOf(string method) => method switch
    {
        nameof(ThreadsCreate) => CreateBody(),
        nameof(ThreadsAddUserMessage_4KB) => AddUserMessageBody(),
        nameof(ItemsList) => ItemsListBody(),
        _ => null,
    };

    [GlobalSetup]
    public void Setup()
    {
        _create = CreateBody();
        _addUserMessage4K = AddUserMessageBody();
        _itemsList = ItemsListBody();
        // Fail fast on a body the parser would reject (the benchmark would time exceptions).
        _ = (ThreadsCreateRequest)ChatKitRequestParser.Parse(_create);
        var add = (ThreadsAddUserMessageRequest)ChatKitRequestParser.Parse(_addUserMessage4K);
        if (((UserMessageTextContent)add.Params.Input.Content[0]).Text.Length != 4096) throw new InvalidOperationException("expected a 4096-char message");
        _ = (ItemsListRequest)ChatKitRequestParser.Parse(_itemsList);
    }

    [Benchmark(Description = "threads.create (short message)")]
    public ChatKitRequest ThreadsCreate() => ChatKitRequestParser.Parse(_create);

    [Benchmark(Description = "threads.add_user_message (4 KB message)")]
    public ChatKitRequest ThreadsAddUserMessage_4KB() => ChatKitRequestParser.Parse(_addUserMessage4K);

    [Benchmark(Description = "items.list")]
    public ChatKitRequest ItemsList() => ChatKitRequestParser.Parse(_itemsList);
}
