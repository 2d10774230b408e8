using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatKit.Json;

/// <summary>
/// The one JSON configuration of the protocol: snake_case properties, nulls omitted,
/// <c>type</c> discriminators accepted anywhere in an object, user dictionaries untouched,
/// and every type resolved through the source-generated <see cref="ChatKitJsonContext"/>.
/// </summary>
public static class ChatKitJson
{
    /// <summary>
    /// The source-generated contracts bound to <see cref="Options"/>. Use its members (e.g.
    /// <c>ChatKitJson.Context.ThreadStreamEvent</c>) rather than <c>ChatKitJsonContext.Default</c>,
    /// whose options escape more than the protocol needs.
    /// </summary>
    public static ChatKitJsonContext Context { get; } = new(new JsonSerializerOptions(ChatKitJsonContext.Default.Options)
    {
        // Text is written as it is (quotes, '+', accents, any letter): the JSON goes to JSON and SSE readers,
        // never into HTML unencoded, so the default's escaping of HTML-sensitive and non-ASCII characters
        // only made frames longer ("é" as \u00E9; French text ~13% larger).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });

    /// <summary>The serializer options every part of ChatKit reads and writes with.</summary>
    public static JsonSerializerOptions Options => Context.Options;

    /// <summary>Options for a <see cref="Utf8JsonWriter"/> that writes ChatKit JSON (the same escaping as <see cref="Options"/>).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes a wire value to UTF-8 JSON.</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <summary>Serializes a wire value to a JSON string.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>Deserializes a wire value; throws <see cref="JsonException"/> on bad input.</summary>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize(json, TypeInfo<T>()) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    /// <summary>Deserializes a wire value; throws <see cref="JsonException"/> on bad input.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, TypeInfo<T>()) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    /// <summary>The source-generated contract of <typeparamref name="T"/>.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>A deep copy of a wire value made through its JSON form.</summary>
    public static T Clone<T>(T value) => Deserialize<T>(SerializeToUtf8Bytes(value));
}
