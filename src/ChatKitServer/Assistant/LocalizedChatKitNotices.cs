using ChatKit;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Assistant;

/// <summary>The engine's notices in the request's language, from <c>locales/AssistantTexts*.resx</c>.</summary>
public sealed class LocalizedChatKitNotices(IStringLocalizer<AssistantTexts> texts) : IChatKitNotices
{
    /// <inheritdoc />
    public string PendingInteraction(ChatKitContext context) => texts[AssistantTexts.PendingInteraction];

    /// <inheritdoc />
    public string ThreadDeleted(ChatKitContext context) => texts[AssistantTexts.ThreadDeleted];
}
