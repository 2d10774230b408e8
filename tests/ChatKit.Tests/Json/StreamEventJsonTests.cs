using System.Text;
using System.Text.Json;
using ChatKit.Json;

namespace ChatKit.Tests.Json;

/// <summary>The stream's event writer writes exactly what the serializer writes, its text deltas included.</summary>
public class StreamEventJsonTests
{
    private static string Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, ChatKitJson.WriterOptions))
            write(json);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void SameAsSerializer(ThreadStreamEvent streamEvent) =>
        Written(json => StreamEventJson.Write(json, streamEvent))
            .Should().Be(Written(json => JsonSerializer.Serialize(json, streamEvent, ChatKitJson.Context.ThreadStreamEvent)));

    private static ThreadItemUpdatedEvent Delta(string text, int index = 0, string itemId = "msg_1") =>
        new() { ItemId = itemId, Update = new AssistantMessageContentPartTextDelta { ContentIndex = index, Delta = text } };

    [TestCase("")]
    [TestCase("plain words ")]
    [TestCase("quotes \" and \\ backslashes / slashes")]
    [TestCase("lines\nand\ttabs\r\b\f")]
    [TestCase("<script>&amp;'+'</script>")]
    [TestCase("accents é à ü, Ελληνικά, 日本語, emoji 🎉 𝄞")]
    [TestCase("separators \u2028 \u2029 and \u007f \u0085")]
    public void A_text_delta_is_written_as_the_serializer_writes_it(string text) => SameAsSerializer(Delta(text));

    [Test]
    public void Every_control_character_and_odd_indices_and_ids_are_written_as_the_serializer_writes_them()
    {
        SameAsSerializer(Delta(new string(Enumerable.Range(0, 32).Select(c => (char)c).ToArray())));
        SameAsSerializer(Delta(new string('x', 70_000) + "é"));
        SameAsSerializer(Delta("x", index: 3));
        SameAsSerializer(Delta("x", index: -1));
        SameAsSerializer(Delta("x", itemId: "msg_\"odd\"\u0001é"));
        var random = new Random(20261203);
        for (var i = 0; i < 200; i++)
            SameAsSerializer(Delta(new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0, 0xD7FF)).ToArray())));
    }

    [Test]
    public void A_lone_surrogate_is_written_as_the_serializer_writes_it() => SameAsSerializer(Delta("half \uD83C of a pair \uDC00"));

    [Test]
    public void Other_events_go_through_the_serializer()
    {
        SameAsSerializer(new ThreadItemUpdatedEvent { ItemId = "msg_1", Update = new AssistantMessageContentPartDone { ContentIndex = 0, Content = new AssistantMessageContent { Text = "done" } } });
        SameAsSerializer(new ProgressUpdateEvent { Text = "Searching…" });
        SameAsSerializer(new ErrorEvent { Code = ErrorCodes.StreamError, AllowRetry = true });
    }

    [Test]
    public void A_delta_without_its_text_or_item_is_written_as_the_serializer_writes_it()
    {
        SameAsSerializer(new ThreadItemUpdatedEvent { ItemId = "msg_1", Update = new AssistantMessageContentPartTextDelta { ContentIndex = 0, Delta = null! } });
        SameAsSerializer(new ThreadItemUpdatedEvent { ItemId = null!, Update = new AssistantMessageContentPartTextDelta { ContentIndex = 0, Delta = "x" } });
    }
}
