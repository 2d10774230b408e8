using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.Widgets;

/// <summary>
/// The updates that turn one state of a widget into the next, as clients expect them: when the
/// only changes are text appended to <c>Text</c>/<c>Markdown</c> components that have an
/// <c>id</c>, one <c>widget.streaming_text.value_delta</c> per changed component; any other change
/// is a single <c>widget.root.updated</c> carrying the whole new root. Compared through the JSON
/// form, so dynamic components are diffed like typed ones.
/// </summary>
public static class WidgetDiff
{
    /// <summary>The updates from <paramref name="before"/> to <paramref name="after"/> (empty when nothing changed).</summary>
    public static IReadOnlyList<ThreadItemUpdate> Diff(WidgetRoot before, WidgetRoot after)
    {
        var b = ToJson(before);
        var a = ToJson(after);
        if (NeedsFullReplace(b, a))
            return [new WidgetRootUpdated { Widget = after }];

        var beforeTexts = StreamingTexts(b);
        var updates = new List<ThreadItemUpdate>();
        foreach (var (id, node) in StreamingTexts(a))
        {
            if (!beforeTexts.TryGetValue(id, out var old))
                throw new InvalidOperationException($"Widget component '{id}' was not in the first state: components with an id must be present in every state.");
            var oldValue = (string)old["value"]!;
            var newValue = (string)node["value"]!;
            if (oldValue == newValue) continue;
            if (!newValue.StartsWith(oldValue, StringComparison.Ordinal))
                throw new InvalidOperationException($"Widget component '{id}' changed its text instead of extending it: streamed text must only grow.");
            updates.Add(new WidgetStreamingTextValueDelta
            {
                ComponentId = id,
                Delta = newValue[oldValue.Length..],
                Done = node["streaming"] is not JsonValue streaming || !streaming.TryGetValue<bool>(out var still) || !still,
            });
        }
        return updates;
    }

    private static JsonObject ToJson(WidgetRoot root) =>
        JsonSerializer.SerializeToNode(root, ChatKitJson.Context.WidgetRoot)!.AsObject();

    private static bool IsStreamingText(JsonObject node) =>
        (string?)node["type"] is "Text" or "Markdown" && node["value"] is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    private static bool NeedsFullReplace(JsonObject before, JsonObject after)
    {
        foreach (var identity in new[] { "type", "id", "key" })
        {
            if (!JsonNode.DeepEquals(before[identity], after[identity])) return true;
        }
        // Only text of components with an id can stream; without an id the client cannot address it.
        var streaming = IsStreamingText(before) && IsStreamingText(after) && IdOf(before) is not null;
        foreach (var name in before.Select(p => p.Key).Union(after.Select(p => p.Key)))
        {
            if (streaming && name == "value" && ((string)after["value"]!).StartsWith((string)before["value"]!, StringComparison.Ordinal))
                continue; // appended text streams as a delta
            if (ValueNeedsFullReplace(before[name], after[name], components: name == "children")) return true;
        }
        return false;
    }

    // components: the values are children. Anything else (an action's payload, a dynamic component's other props)
    // must be equal, even an object that looks like a Text with an id: no delta would ever carry its change.
    private static bool ValueNeedsFullReplace(JsonNode? before, JsonNode? after, bool components)
    {
        if (before is JsonArray b && after is JsonArray a)
        {
            if (b.Count != a.Count) return true;
            for (var i = 0; i < b.Count; i++)
            {
                if (ValueNeedsFullReplace(b[i], a[i], components)) return true;
            }
            return false;
        }
        if (JsonNode.DeepEquals(before, after)) return false;
        // Two components: compare them by the same rule (their own text may stream).
        return !components || before is not JsonObject bo || after is not JsonObject ao || bo["type"] is null || NeedsFullReplace(bo, ao);
    }

    /// <summary>A component's id, or null when it has none; an empty id is none, as in the reference (no delta can name it).</summary>
    private static string? IdOf(JsonObject component) =>
        component["id"] is JsonValue value && value.TryGetValue<string>(out var id) && id.Length > 0 ? id : null;

    private static Dictionary<string, JsonObject> StreamingTexts(JsonObject root)
    {
        var found = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        Visit(root);
        return found;

        void Visit(JsonNode? node)
        {
            if (node is not JsonObject o) return;
            if (IsStreamingText(o) && IdOf(o) is { } key)
                found[key] = o;
            switch (o["children"])
            {
                case JsonArray children:
                    foreach (var child in children) Visit(child);
                    break;
                case JsonObject child:
                    Visit(child);
                    break;
            }
        }
    }
}
