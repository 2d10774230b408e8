using System.Text.Json.Nodes;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// The seam between the assistant and whatever produces tokens: a Chat Completions endpoint
/// (OpenAI, Azure OpenAI, any compatible server) or a scripted model in tests. Streams updates
/// as they arrive; cancelling the token must abort the upstream call.
/// </summary>
public interface IChatModel
{
    IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatModelRequest request, CancellationToken cancellationToken);
}

/// <summary>One call: the model to use, the conversation so far, the tools it may call.</summary>
public sealed record ChatModelRequest(
    string Model,
    IReadOnlyList<ChatModelMessage> Messages,
    IReadOnlyList<ChatModelTool> Tools,
    string? RequiredTool = null,
    ChatModelPurpose Purpose = ChatModelPurpose.Answer);

/// <summary>Why the model is called: to answer, or to title a thread.</summary>
public enum ChatModelPurpose
{
    Answer,
    Title,
}

/// <summary>A tool the model may call: name, description and JSON schema of its arguments.</summary>
public sealed record ChatModelTool(string Name, string Description, JsonObject Parameters);

/// <summary>A message of the conversation sent to the model.</summary>
public abstract record ChatModelMessage;

public sealed record SystemMessage(string Text) : ChatModelMessage;

public sealed record UserMessage(IReadOnlyList<UserPart> Parts) : ChatModelMessage
{
    public UserMessage(string text) : this([new TextPart(text)]) { }
}

public abstract record UserPart;
public sealed record TextPart(string Text) : UserPart;
public sealed record ImagePart(BinaryData Bytes, string MediaType) : UserPart;

public sealed record AssistantMessage(string? Text, IReadOnlyList<ToolCall> ToolCalls) : ChatModelMessage
{
    public AssistantMessage(string text) : this(text, []) { }
}

public sealed record ToolCall(string Id, string Name, string Arguments);

public sealed record ToolResultMessage(string ToolCallId, string Result) : ChatModelMessage;

/// <summary>What the model streams back.</summary>
public abstract record ChatModelUpdate;

/// <summary>A piece of answer text.</summary>
public sealed record TextDelta(string Text) : ChatModelUpdate;

/// <summary>A piece of a tool call; the id and name come first, the arguments arrive in pieces.</summary>
public sealed record ToolCallDelta(int Index, string? Id, string? Name, string? ArgumentsDelta) : ChatModelUpdate;

/// <summary>A widget to show (scripted models; Chat Completions has no such output).</summary>
public sealed record WidgetOutput(ChatKit.Widgets.WidgetRoot Widget, string? CopyText) : ChatModelUpdate;

/// <summary>Tokens used by the call.</summary>
public sealed record UsageUpdate(string Model, int PromptTokens, int CompletionTokens) : ChatModelUpdate;
