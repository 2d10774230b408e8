namespace ChatKit;

/// <summary>The wire names of thread item kinds (the <c>type</c> of a <see cref="ThreadItem"/>), written once.</summary>
public static class ItemTypes
{
    /// <summary><see cref="UserMessageItem"/>.</summary>
    public const string UserMessage = "user_message";
    /// <summary><see cref="AssistantMessageItem"/>.</summary>
    public const string AssistantMessage = "assistant_message";
    /// <summary><see cref="ClientToolCallItem"/>.</summary>
    public const string ClientToolCall = "client_tool_call";
    /// <summary><see cref="WidgetItem"/>.</summary>
    public const string Widget = "widget";
    /// <summary><see cref="GeneratedImageItem"/>.</summary>
    public const string GeneratedImage = "generated_image";
    /// <summary><see cref="StructuredInputItem"/>.</summary>
    public const string StructuredInput = "structured_input";
    /// <summary><see cref="WorkflowItem"/>.</summary>
    public const string Workflow = "workflow";
    /// <summary><see cref="TaskItem"/>.</summary>
    public const string Task = "task";
    /// <summary><see cref="EndOfTurnItem"/>.</summary>
    public const string EndOfTurn = "end_of_turn";
    /// <summary><see cref="HiddenContextItem"/>: kept for the model, never sent to clients.</summary>
    public const string HiddenContext = "hidden_context_item";
    /// <summary><see cref="SdkHiddenContextItem"/>: kept for the model, never sent to clients.</summary>
    public const string SdkHiddenContext = "sdk_hidden_context";

    /// <summary>The kinds that are never sent to clients.</summary>
    public static IReadOnlyList<string> Hidden { get; } = [HiddenContext, SdkHiddenContext];
}
