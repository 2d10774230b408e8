using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>Kind of workflow.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<WorkflowType>))]
public enum WorkflowType
{
    /// <summary>A workflow of the integration's own tasks.</summary>
    [JsonStringEnumMemberName("custom")] Custom,
    /// <summary>The model's reasoning.</summary>
    [JsonStringEnumMemberName("reasoning")] Reasoning,
}

/// <summary>A list of tasks shown together, with an optional summary.</summary>
public sealed class Workflow
{
    /// <summary>Custom or reasoning.</summary>
    public WorkflowType Type { get; set; } = WorkflowType.Custom;
    /// <summary>The tasks, in order.</summary>
    public List<WorkflowTask> Tasks { get; set; } = [];
    /// <summary>A summary shown when collapsed.</summary>
    public WorkflowSummary? Summary { get; set; }
    /// <summary>Whether the workflow is shown expanded.</summary>
    public bool Expanded { get; set; }
}

/// <summary>A workflow summary: a custom title or a duration. On the wire it has no discriminator.</summary>
[JsonConverter(typeof(WorkflowSummaryConverter))]
public abstract class WorkflowSummary;

/// <summary>A title (and icon) summarizing the workflow.</summary>
public sealed class CustomSummary : WorkflowSummary
{
    /// <summary>The title.</summary>
    public required string Title { get; set; }
    /// <summary>An icon name.</summary>
    public string? Icon { get; set; }
}

/// <summary>How long the workflow took.</summary>
public sealed class DurationSummary : WorkflowSummary
{
    /// <summary>The duration in seconds.</summary>
    public required int Duration { get; set; }
}

/// <summary>Reads a summary by its shape (<c>duration</c> or <c>title</c>) as the reference does.</summary>
internal sealed class WorkflowSummaryConverter : JsonConverter<WorkflowSummary>
{
    public override WorkflowSummary? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new JsonException("A workflow summary must be an object.");
        if (root.TryGetProperty("title", out _))
            return root.Deserialize((System.Text.Json.Serialization.Metadata.JsonTypeInfo<CustomSummary>)options.GetTypeInfo(typeof(CustomSummary)));
        if (root.TryGetProperty("duration", out _))
            return root.Deserialize((System.Text.Json.Serialization.Metadata.JsonTypeInfo<DurationSummary>)options.GetTypeInfo(typeof(DurationSummary)));
        throw new JsonException("A workflow summary needs either 'title' or 'duration'.");
    }

    public override void Write(Utf8JsonWriter writer, WorkflowSummary value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options.GetTypeInfo(value.GetType()));
}
