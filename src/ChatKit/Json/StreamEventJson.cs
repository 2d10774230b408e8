using System.Text.Json;

namespace ChatKit.Json;

/// <summary>
/// Writes a stream event's JSON, the same bytes as <see cref="JsonSerializer"/> with <see cref="ChatKitJson.Options"/>. A text
/// delta of an assistant message (<c>thread.item.updated</c> with <c>assistant_message.content_part.text_delta</c>), nearly
/// every event of an answer, is written straight to the writer: through the serializer each one went through the
/// metadata of two polymorphic types, the largest share of the events phase's JSON writing in a profile (bench/README.md).
/// Every other event, and a delta with a missing value, goes through the serializer.
/// </summary>
public static class StreamEventJson
{
    private static readonly JsonEncodedText Type = Encode("type");
    private static readonly JsonEncodedText ItemUpdated = Encode("thread.item.updated");
    private static readonly JsonEncodedText ItemId = Encode("item_id");
    private static readonly JsonEncodedText Update = Encode("update");
    private static readonly JsonEncodedText TextDelta = Encode("assistant_message.content_part.text_delta");
    private static readonly JsonEncodedText ContentIndex = Encode("content_index");
    private static readonly JsonEncodedText Delta = Encode("delta");

    private static JsonEncodedText Encode(string text) => JsonEncodedText.Encode(text, ChatKitJson.WriterOptions.Encoder);

    /// <summary>Writes <paramref name="streamEvent"/> to <paramref name="json"/> (whose options should be <see cref="ChatKitJson.WriterOptions"/>).</summary>
    public static void Write(Utf8JsonWriter json, ThreadStreamEvent streamEvent)
    {
        if (streamEvent is ThreadItemUpdatedEvent { ItemId: { } itemId, Update: AssistantMessageContentPartTextDelta { Delta: { } delta } update })
        {
            json.WriteStartObject();
            json.WriteString(Type, ItemUpdated);
            json.WriteString(ItemId, itemId);
            json.WritePropertyName(Update);
            json.WriteStartObject();
            json.WriteString(Type, TextDelta);
            json.WriteNumber(ContentIndex, update.ContentIndex);
            json.WriteString(Delta, delta);
            json.WriteEndObject();
            json.WriteEndObject();
            return;
        }
        JsonSerializer.Serialize(json, streamEvent, ChatKitJson.Context.ThreadStreamEvent);
    }
}
