using System.Security.Cryptography;

namespace ChatKit;

/// <summary>Id prefixes of the protocol and a generator of ids: prefix, underscore, random hex.</summary>
public static class ChatKitIds
{
    /// <summary>Threads.</summary>
    public const string ThreadPrefix = "thr";
    /// <summary>Messages and widgets.</summary>
    public const string MessagePrefix = "msg";
    /// <summary>Client tool calls.</summary>
    public const string ToolCallPrefix = "tc";
    /// <summary>Workflows.</summary>
    public const string WorkflowPrefix = "wf";
    /// <summary>Tasks.</summary>
    public const string TaskPrefix = "tsk";
    /// <summary>Attachments.</summary>
    public const string AttachmentPrefix = "atc";
    /// <summary>SDK hidden context.</summary>
    public const string SdkHiddenContextPrefix = "shcx";

    /// <summary>A new id: <paramref name="prefix"/>, <c>_</c> and 24 random hex digits.</summary>
    public static string New(string prefix) => prefix + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>A new thread id.</summary>
    public static string Thread() => New(ThreadPrefix);
    /// <summary>A new message (or widget) id.</summary>
    public static string Message() => New(MessagePrefix);
    /// <summary>A new client tool call id.</summary>
    public static string ToolCall() => New(ToolCallPrefix);
    /// <summary>A new workflow id.</summary>
    public static string Workflow() => New(WorkflowPrefix);
    /// <summary>A new task id.</summary>
    public static string Task() => New(TaskPrefix);
    /// <summary>A new attachment id.</summary>
    public static string Attachment() => New(AttachmentPrefix);
    /// <summary>A new SDK hidden context id.</summary>
    public static string SdkHiddenContext() => New(SdkHiddenContextPrefix);
}
