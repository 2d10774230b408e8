namespace ChatKitServer.Assistant;

/// <summary>
/// Marker type of the localized texts in <c>locales/AssistantTexts*.resx</c> (progress updates,
/// notices, errors). Keys are the constants below. Progress texts end with three dots ("..."), in every culture.
/// </summary>
public sealed class AssistantTexts
{
    public const string Thinking = "Thinking";
    public const string Analyzing = "Analyzing";
    public const string Searching = "Searching";
    public const string SavingMemory = "SavingMemory";
    public const string RecallingMemory = "RecallingMemory";
    public const string ExecutingTool = "ExecutingTool";
    public const string PendingInteraction = "PendingInteraction";
    public const string ThreadDeleted = "ThreadDeleted";
    public const string ModelNotAllowed = "ModelNotAllowed";
    public const string ToolNotAvailable = "ToolNotAvailable";
    public const string UpstreamRefused = "UpstreamRefused";
    public const string LocalePrompt = "LocalePrompt";
    public const string CallingMcpTool = "CallingMcpTool";
    public const string TitlePrompt = "TitlePrompt";
    public const string MessageCut = "MessageCut";
    public const string AnswerFiltered = "AnswerFiltered";
    public const string AnswerTooLong = "AnswerTooLong";
    public const string ToolUnknown = "ToolUnknown";
    public const string ToolArgumentsInvalid = "ToolArgumentsInvalid";
    public const string ToolFailed = "ToolFailed";
}
