using System.Buffers;
using System.Text;
using System.Text.Json;
using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// Writes the answers that carry pages the store may hand out partly as stored JSON: <c>items.list</c> and
/// <c>threads.get_by_id</c> (a page of <see cref="WireItem"/>s), <c>threads.list</c> (a page of <see cref="WireThread"/>s).
/// Each answer is the same bytes <see cref="ChatKitJson"/> writes for the <see cref="Page{T}"/> of those items
/// (<c>{"data":[…],"has_more":…,"after":…}</c>, <c>after</c> left out when null), for the <see cref="ChatKitThread"/> holding
/// them, or for the page of <see cref="ChatKitThread"/>s, with what comes as JSON copied in as it is (tested against the
/// serializer).
/// </summary>
internal static class WirePages
{
    /// <summary>The <c>items.list</c> answer.</summary>
    public static byte[] Serialize(Page<WireItem> page)
    {
        var buffer = Buffer();
        WritePage(buffer, page);
        return Answer(buffer);
    }

    /// <summary>
    /// The <c>threads.get_by_id</c> answer: <see cref="ChatKitThread.ForClient"/> of <paramref name="thread"/> with
    /// <paramref name="items"/>. The serializer writes a <see cref="ChatKitThread"/> as <c>items</c> (the derived type's
    /// member) followed by its <see cref="ThreadMetadata"/> members (tested against the serializer), so the page is written
    /// first and the thread's members, written by the serializer, after it.
    /// </summary>
    public static byte[] SerializeThread(ThreadMetadata thread, Page<WireItem> items)
    {
        var members = ChatKitJson.SerializeToUtf8Bytes(ChatKitThread.ClientFields(thread)); // {"id":…}: never empty, the id is required
        var buffer = Buffer();
        buffer.Write("{\"items\":"u8);
        WritePage(buffer, new Page<WireItem> { Data = items.Data.FindAll(w => w.Item is not { IsHidden: true }), HasMore = items.HasMore, After = items.After });
        buffer.Write(","u8);
        buffer.Write(members.AsSpan(1)); // without its opening brace
        return Answer(buffer);
    }

    /// <summary>
    /// The <c>threads.list</c> answer: the page of <see cref="ChatKitThread.ForClient"/> of each thread (an empty page of items
    /// each), written as <see cref="SerializeThread"/> writes a thread: the empty page first, then the thread's members, copied
    /// in as they are when the store kept them (<see cref="WireThread(string)"/>).
    /// </summary>
    public static byte[] SerializeThreads(Page<WireThread> page)
    {
        var buffer = Buffer();
        buffer.Write("{\"data\":["u8);
        for (var i = 0; i < page.Data.Count; i++)
        {
            if (i > 0) buffer.Write(","u8);
            buffer.Write(EmptyItemsMember);
            // The members without their opening brace ({"id":…: never empty, the id is required). JSON the store vouched for
            // (WireThread) is this build's serializer output for the thread as stored, copied without being parsed again.
            if (page.Data[i].Json is { } json)
                buffer.Advance(Encoding.UTF8.GetBytes(json.AsSpan(1), buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(json.Length - 1))));
            else
                buffer.Write(ChatKitJson.SerializeToUtf8Bytes(ChatKitThread.ClientFields(page.Data[i].Thread!)).AsSpan(1));
        }
        buffer.Write(page.HasMore ? "],\"has_more\":true"u8 : "],\"has_more\":false"u8);
        if (page.After is { } after)
        {
            buffer.Write(",\"after\":"u8);
            using var writer = new Utf8JsonWriter(buffer, ChatKitJson.WriterOptions);
            writer.WriteStringValue(after);
        }
        buffer.Write("}"u8);
        return Answer(buffer);
    }

    // The buffer an answer is written into before it is copied out at its exact size, kept per thread between answers: a page
    // of 20 threads grew a new buffer once or twice and then copied it (threads.list allocated 36 KB a request with new
    // buffers, 28 KB with the kept one; bench/README.md). None of these methods awaits, so a thread's buffer serves one answer
    // at a time; a buffer that grew past KeptBufferBytes for a large answer is left to the GC.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>The largest buffer kept for the next answer on the same thread.</summary>
    internal const int KeptBufferBytes = 64 * 1024;

    private static ArrayBufferWriter<byte> Buffer()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(16 * 1024);
        t_buffer = null; // an answer that throws midway does not hand its half-written buffer on
        buffer.ResetWrittenCount();
        return buffer;
    }

    private static byte[] Answer(ArrayBufferWriter<byte> buffer)
    {
        var answer = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity <= KeptBufferBytes) t_buffer = buffer;
        return answer;
    }

    /// <summary>What a thread in a list holds before its members: <c>{"items":</c> an empty page.</summary>
    private static ReadOnlySpan<byte> EmptyItemsMember => "{\"items\":{\"data\":[],\"has_more\":false},"u8;

    private static void WritePage(ArrayBufferWriter<byte> buffer, Page<WireItem> page)
    {
        using var writer = new Utf8JsonWriter(buffer, ChatKitJson.WriterOptions);
        var item = ChatKitJson.TypeInfo<ThreadItem>();
        writer.WriteStartObject();
        writer.WriteStartArray("data"u8);
        foreach (var wire in page.Data)
        {
            // The store vouched for the JSON (WireItem): it is this build's serializer output, so it is not parsed again.
            if (wire.Json is { } json) writer.WriteRawValue(json, skipInputValidation: true);
            else JsonSerializer.Serialize(writer, wire.Item!, item);
        }
        writer.WriteEndArray();
        writer.WriteBoolean("has_more"u8, page.HasMore);
        if (page.After is { } after) writer.WriteString("after"u8, after);
        writer.WriteEndObject();
    }
}
