using System.Buffers;
using System.Text.Json;
using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// Writes an <c>items.list</c> answer from a page of <see cref="WireItem"/>s: the same bytes <see cref="ChatKitJson"/> writes
/// for the <see cref="Page{T}"/> of those items (<c>{"data":[…],"has_more":…,"after":…}</c>, <c>after</c> left out when
/// null), with the items that come as JSON copied in as they are.
/// </summary>
internal static class WireItemPages
{
    public static byte[] Serialize(Page<WireItem> page)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + 512 * page.Data.Count);
        using (var writer = new Utf8JsonWriter(buffer, ChatKitJson.WriterOptions))
        {
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
        return buffer.WrittenSpan.ToArray();
    }
}
