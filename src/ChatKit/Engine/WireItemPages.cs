using System.Buffers;
using System.Text.Json;
using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// Writes the answers that carry a page of <see cref="WireItem"/>s (<c>items.list</c>, <c>threads.get_by_id</c>): the same
/// bytes <see cref="ChatKitJson"/> writes for the <see cref="Page{T}"/> of those items (<c>{"data":[…],"has_more":…,"after":…}</c>,
/// <c>after</c> left out when null) or for the <see cref="ChatKitThread"/> holding it, with the items that come as JSON copied
/// in as they are.
/// </summary>
internal static class WireItemPages
{
    /// <summary>The <c>items.list</c> answer.</summary>
    public static byte[] Serialize(Page<WireItem> page)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + 512 * page.Data.Count);
        WritePage(buffer, page);
        return buffer.WrittenSpan.ToArray();
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
        var buffer = new ArrayBufferWriter<byte>(members.Length + 256 + 512 * items.Data.Count);
        buffer.Write("{\"items\":"u8);
        WritePage(buffer, new Page<WireItem> { Data = items.Data.FindAll(w => w.Item is not { IsHidden: true }), HasMore = items.HasMore, After = items.After });
        buffer.Write(","u8);
        buffer.Write(members.AsSpan(1)); // without its opening brace
        return buffer.WrittenSpan.ToArray();
    }

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
