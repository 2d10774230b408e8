using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>One event of a response stream, written as one <c>data:</c> frame.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ThreadCreatedEvent), "thread.created")]
[JsonDerivedType(typeof(ThreadUpdatedEvent), "thread.updated")]
[JsonDerivedType(typeof(ThreadItemAddedEvent), "thread.item.added")]
[JsonDerivedType(typeof(ThreadItemUpdatedEvent), "thread.item.updated")]
[JsonDerivedType(typeof(ThreadItemDoneEvent), "thread.item.done")]
[JsonDerivedType(typeof(ThreadItemRemovedEvent), "thread.item.removed")]
[JsonDerivedType(typeof(ThreadItemReplacedEvent), "thread.item.replaced")]
[JsonDerivedType(typeof(StreamOptionsEvent), "stream_options")]
[JsonDerivedType(typeof(ProgressUpdateEvent), "progress_update")]
[JsonDerivedType(typeof(ClientEffectEvent), "client_effect")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
[JsonDerivedType(typeof(NoticeEvent), "notice")]
public abstract class ThreadStreamEvent;

/// <summary>A thread was created.</summary>
public sealed class ThreadCreatedEvent : ThreadStreamEvent
{
    /// <summary>The new thread, with an empty items page.</summary>
    public required ChatKitThread Thread { get; set; }
}

/// <summary>The thread's title, status or metadata changed.</summary>
public sealed class ThreadUpdatedEvent : ThreadStreamEvent
{
    /// <summary>The thread as it is now.</summary>
    public required ChatKitThread Thread { get; set; }
}

/// <summary>An item started streaming (not saved yet).</summary>
public sealed class ThreadItemAddedEvent : ThreadStreamEvent
{
    /// <summary>The item as it starts.</summary>
    public required ThreadItem Item { get; set; }
}

/// <summary>An update to an item being streamed.</summary>
public sealed class ThreadItemUpdatedEvent : ThreadStreamEvent
{
    /// <summary>The item updated.</summary>
    public required string ItemId { get; set; }
    /// <summary>What changed.</summary>
    public required ThreadItemUpdate Update { get; set; }
}

/// <summary>An item is complete; the engine saves it.</summary>
public sealed class ThreadItemDoneEvent : ThreadStreamEvent
{
    /// <summary>The finished item.</summary>
    public required ThreadItem Item { get; set; }
}

/// <summary>An item was removed; the engine deletes it.</summary>
public sealed class ThreadItemRemovedEvent : ThreadStreamEvent
{
    /// <summary>The removed item's id.</summary>
    public required string ItemId { get; set; }
}

/// <summary>An item was replaced; the engine saves the new version.</summary>
public sealed class ThreadItemReplacedEvent : ThreadStreamEvent
{
    /// <summary>The new version.</summary>
    public required ThreadItem Item { get; set; }
}

/// <summary>Runtime options of this stream; sent before the responder's events.</summary>
public sealed class StreamOptionsEvent : ThreadStreamEvent
{
    /// <summary>The options.</summary>
    public required StreamOptions StreamOptions { get; set; }
}

/// <summary>Options of a response stream.</summary>
public sealed class StreamOptions
{
    /// <summary>Whether the client may cancel mid-stream.</summary>
    public required bool AllowCancel { get; set; }
}

/// <summary>Transient progress text (never saved).</summary>
public sealed class ProgressUpdateEvent : ThreadStreamEvent
{
    /// <summary>An icon name.</summary>
    public string? Icon { get; set; }
    /// <summary>The text shown.</summary>
    public required string Text { get; set; }
}

/// <summary>Asks the client to run a side effect (never saved).</summary>
public sealed class ClientEffectEvent : ThreadStreamEvent
{
    /// <summary>The effect's name.</summary>
    public required string Name { get; set; }
    /// <summary>The effect's data; keys untouched.</summary>
    public JsonObject Data { get; set; } = [];
}

/// <summary>Error codes of <see cref="ErrorEvent"/>.</summary>
public static class ErrorCodes
{
    /// <summary>A generic failure; the client shows its own localized message.</summary>
    public const string StreamError = "stream.error";
    /// <summary>A failure with a custom message.</summary>
    public const string Custom = "custom";
}

/// <summary>The stream failed; it ends after this event.</summary>
public sealed class ErrorEvent : ThreadStreamEvent
{
    /// <summary><c>stream.error</c> or <c>custom</c> (see <see cref="ErrorCodes"/>).</summary>
    public string Code { get; set; } = ErrorCodes.Custom;
    /// <summary>The message shown (custom errors).</summary>
    public string? Message { get; set; }
    /// <summary>Whether the client offers to retry.</summary>
    public bool AllowRetry { get; set; }
}

/// <summary>Level of a notice.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<NoticeLevel>))]
public enum NoticeLevel
{
    /// <summary>Information.</summary>
    [JsonStringEnumMemberName("info")] Info,
    /// <summary>A warning.</summary>
    [JsonStringEnumMemberName("warning")] Warning,
    /// <summary>Something went badly.</summary>
    [JsonStringEnumMemberName("danger")] Danger,
}

/// <summary>A user-facing notice (never saved). The message may use markdown.</summary>
public sealed class NoticeEvent : ThreadStreamEvent
{
    /// <summary>Info, warning or danger.</summary>
    public required NoticeLevel Level { get; set; }
    /// <summary>The message (markdown).</summary>
    public required string Message { get; set; }
    /// <summary>A title.</summary>
    public string? Title { get; set; }
}
