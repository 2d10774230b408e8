using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Configuration;

/// <summary>Which model answers (section <c>Assistant</c>).</summary>
public sealed class AssistantOptions : IValidatableObject
{
    public const string Section = "Assistant";

    /// <summary><c>Offline</c> (default, no network), <c>OpenAI</c> or <c>AzureOpenAI</c>.</summary>
    public AssistantProvider Provider { get; set; } = AssistantProvider.Offline;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != AssistantProvider.Offline)
            yield return new ValidationResult(
                $"Assistant:Provider={Provider} is not available in this build yet; use Offline.", [nameof(Provider)]);
    }
}

public enum AssistantProvider
{
    Offline,
    OpenAI,
    AzureOpenAI,
}
