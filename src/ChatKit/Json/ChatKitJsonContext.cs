using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit.Json;

/// <summary>
/// Source-generated JSON contracts of every wire type. Options: snake_case property names
/// (dictionary keys are never renamed), nulls omitted, enums as their wire strings,
/// <c>type</c> accepted anywhere in an object, nullable annotations enforced on input.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict,
    PropertyNameCaseInsensitive = false,
    MaxDepth = 64)]
[JsonSerializable(typeof(ChatKitRequest))]
[JsonSerializable(typeof(ThreadStreamEvent))]
[JsonSerializable(typeof(ThreadItem))]
[JsonSerializable(typeof(ThreadItemUpdate))]
[JsonSerializable(typeof(ThreadMetadata))]
[JsonSerializable(typeof(ChatKitThread))]
[JsonSerializable(typeof(Page<ChatKitThread>))]
[JsonSerializable(typeof(Page<ThreadItem>))]
[JsonSerializable(typeof(Attachment))]
[JsonSerializable(typeof(FileAttachment))]
[JsonSerializable(typeof(ImageAttachment))]
[JsonSerializable(typeof(List<Attachment>))]
[JsonSerializable(typeof(TranscriptionResult))]
[JsonSerializable(typeof(SyncCustomActionResponse))]
[JsonSerializable(typeof(CustomSummary))]
[JsonSerializable(typeof(DurationSummary))]
[JsonSerializable(typeof(WorkflowSummary))]
[JsonSerializable(typeof(Workflow))]
[JsonSerializable(typeof(WorkflowTask))]
[JsonSerializable(typeof(ThreadStatus))]
[JsonSerializable(typeof(UserMessageInput))]
[JsonSerializable(typeof(ChatKitAction))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonElement))]
// widgets
[JsonSerializable(typeof(ChatKit.Widgets.WidgetRoot))]
[JsonSerializable(typeof(ChatKit.Widgets.WidgetComponent))]
public partial class ChatKitJsonContext : JsonSerializerContext;
