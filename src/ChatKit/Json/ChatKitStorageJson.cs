using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace ChatKit.Json;

/// <summary>
/// The JSON a store keeps: the wire form plus what the wire leaves out on purpose, today an
/// attachment's integration-only <see cref="Attachment.Metadata"/> (also inside stored user
/// messages). Like the reference, metadata is kept in storage and only left out of what clients get.
/// Stores write and read records with this; everything sent to a client goes through <see cref="ChatKitJson"/>.
/// </summary>
public static class ChatKitStorageJson
{
    /// <summary>The storage serializer options: <see cref="ChatKitJson.Options"/> with the stored-only members added.</summary>
    public static JsonSerializerOptions Options { get; } = new(ChatKitJson.Options)
    {
        TypeInfoResolver = ChatKitJson.Context.WithAddedModifier(AddStoredOnlyMembers),
    };

    // Reading has contracts of its own: the same members, set one by one rather than gathered for an object
    // initializer (SetterContracts); writing keeps the generated contracts and their fast path.
    private static readonly JsonSerializerOptions ReadOptions = new(ChatKitJson.Options)
    {
        TypeInfoResolver = new SetterContracts(ChatKitJson.Context).WithAddedModifier(AddStoredOnlyMembers),
    };

    /// <summary>Serializes a record for storage.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>Reads a stored record; throws <see cref="JsonException"/> on bad input.</summary>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize(json, ReadTypeInfo<T>()) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    /// <summary>Reads a stored record from its UTF-8 bytes; throws <see cref="JsonException"/> on bad input.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, ReadTypeInfo<T>()) ?? throw new JsonException($"Expected a {typeof(T).Name}, got null.");

    /// <summary>A deep copy made through the stored form (nothing is lost, metadata included).</summary>
    public static T Clone<T>(T value) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>()), ReadTypeInfo<T>())!;

    /// <summary>
    /// Whether <paramref name="item"/>'s stored form (<see cref="Serialize{T}"/>) is its wire form byte for byte: true unless
    /// it holds attachments, whose stored-only members (<see cref="Attachment.Metadata"/>) only storage writes. A store may
    /// send the stored JSON of such an item to a client as it is (<see cref="WireItem"/>).
    /// </summary>
    public static bool IsWireForm(ThreadItem item) => item is not UserMessageItem { Attachments.Count: > 0 };

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static JsonTypeInfo<T> ReadTypeInfo<T>() => (JsonTypeInfo<T>)ReadOptions.GetTypeInfo(typeof(T));

    /// <summary>The contract stored records of <paramref name="type"/> are read with (the tests look at it).</summary>
    internal static JsonTypeInfo ReadContract(Type type) => ReadOptions.GetTypeInfo(type);

    private static void AddStoredOnlyMembers(JsonTypeInfo type)
    {
        if (!typeof(Attachment).IsAssignableFrom(type.Type) || type.Kind != JsonTypeInfoKind.Object) return;
        // The wire contract lists the member as ignored ([JsonIgnore]); storage replaces it with a read-write one.
        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            if (type.Properties[i].Name == "metadata") type.Properties.RemoveAt(i);
        }
        var metadata = type.CreateJsonPropertyInfo(typeof(JsonObject), "metadata");
        metadata.Get = attachment => ((Attachment)attachment).Metadata;
        metadata.Set = (attachment, value) => ((Attachment)attachment).Metadata = (JsonObject?)value;
        type.Properties.Add(metadata);
    }
}
