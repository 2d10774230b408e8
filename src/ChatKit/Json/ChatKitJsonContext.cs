using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit.Json;

/// <summary>
/// Source-generated JSON contracts of every wire type. Options: snake_case property names
/// (dictionary keys are never renamed), nulls omitted, enums as their wire strings,
/// <c>type</c> accepted anywhere in an object, nullable annotations enforced on input, times written
/// to the microsecond (<see cref="MicrosecondTimeConverter"/>).
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
    MaxDepth = 64,
    Converters = [typeof(MicrosecondTimeConverter)])]
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
[JsonSerializable(typeof(ChatKit.Widgets.Card))]
[JsonSerializable(typeof(ChatKit.Widgets.ListView))]
[JsonSerializable(typeof(ChatKit.Widgets.ListViewItem))]
[JsonSerializable(typeof(ChatKit.Widgets.BasicRoot))]
[JsonSerializable(typeof(ChatKit.Widgets.Box))]
[JsonSerializable(typeof(ChatKit.Widgets.Row))]
[JsonSerializable(typeof(ChatKit.Widgets.Col))]
[JsonSerializable(typeof(ChatKit.Widgets.Form))]
[JsonSerializable(typeof(ChatKit.Widgets.Divider))]
[JsonSerializable(typeof(ChatKit.Widgets.Spacer))]
[JsonSerializable(typeof(ChatKit.Widgets.Transition))]
[JsonSerializable(typeof(ChatKit.Widgets.Text))]
[JsonSerializable(typeof(ChatKit.Widgets.Title))]
[JsonSerializable(typeof(ChatKit.Widgets.Caption))]
[JsonSerializable(typeof(ChatKit.Widgets.Markdown))]
[JsonSerializable(typeof(ChatKit.Widgets.Label))]
[JsonSerializable(typeof(ChatKit.Widgets.Badge))]
[JsonSerializable(typeof(ChatKit.Widgets.Icon))]
[JsonSerializable(typeof(ChatKit.Widgets.Image))]
[JsonSerializable(typeof(ChatKit.Widgets.Button))]
[JsonSerializable(typeof(ChatKit.Widgets.Input))]
[JsonSerializable(typeof(ChatKit.Widgets.Textarea))]
[JsonSerializable(typeof(ChatKit.Widgets.Select))]
[JsonSerializable(typeof(ChatKit.Widgets.DatePicker))]
[JsonSerializable(typeof(ChatKit.Widgets.Checkbox))]
[JsonSerializable(typeof(ChatKit.Widgets.RadioGroup))]
[JsonSerializable(typeof(ChatKit.Widgets.Chart))]
[JsonSerializable(typeof(ChatKit.Widgets.ThemeColor))]
[JsonSerializable(typeof(ChatKit.Widgets.Spacing))]
[JsonSerializable(typeof(ChatKit.Widgets.Border))]
[JsonSerializable(typeof(ChatKit.Widgets.Borders))]
[JsonSerializable(typeof(ChatKit.Widgets.EditableProps))]
[JsonSerializable(typeof(ChatKit.Widgets.CardAction))]
[JsonSerializable(typeof(ChatKit.Widgets.WidgetStatus))]
[JsonSerializable(typeof(ChatKit.Widgets.SelectOption))]
[JsonSerializable(typeof(ChatKit.Widgets.RadioOption))]
[JsonSerializable(typeof(ChatKit.Widgets.XAxisConfig))]
[JsonSerializable(typeof(ChatKit.Widgets.ChartSeries))]
[JsonSerializable(typeof(ChatKit.Widgets.ActionConfig))]
[JsonSerializable(typeof(ChatKit.Widgets.Dimension))]
[JsonSerializable(typeof(ChatKit.Widgets.WidgetColor))]
[JsonSerializable(typeof(ChatKit.Widgets.SpacingValue))]
[JsonSerializable(typeof(ChatKit.Widgets.BorderValue))]
[JsonSerializable(typeof(ChatKit.Widgets.BorderEdge))]
[JsonSerializable(typeof(ChatKit.Widgets.ListLimit))]
[JsonSerializable(typeof(ChatKit.Widgets.EditableValue))]
[JsonSerializable(typeof(ChatKit.Widgets.XAxis))]
public partial class ChatKitJsonContext : JsonSerializerContext;
