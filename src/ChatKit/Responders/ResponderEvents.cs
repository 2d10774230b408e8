namespace ChatKit;

/// <summary>Short constructors for the transient events a responder sends.</summary>
public static class ResponderEvents
{
    /// <summary>A <c>progress_update</c> with optional icon.</summary>
    public static ProgressUpdateEvent Progress(string text, string? icon = null) => new() { Text = text, Icon = icon };

    /// <summary>A <c>notice</c>.</summary>
    public static NoticeEvent Notice(NoticeLevel level, string message, string? title = null) => new() { Level = level, Message = message, Title = title };

    /// <summary>A <c>client_effect</c>.</summary>
    public static ClientEffectEvent ClientEffect(string name, System.Text.Json.Nodes.JsonObject? data = null) => new() { Name = name, Data = data ?? [] };
}
