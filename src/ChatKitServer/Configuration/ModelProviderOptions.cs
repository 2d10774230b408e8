using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Configuration;

/// <summary>Any OpenAI-compatible Chat Completions endpoint (section <c>OpenAI</c>).</summary>
public sealed class OpenAIOptions
{
    public const string Section = "OpenAI";

    /// <summary>Base URL of the API (default: OpenAI's).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The API key; compatible local servers may not need one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The default model.</summary>
    public string Model { get; set; } = "";

    /// <summary>The model for <c>input.transcribe</c>; transcription is off when empty.</summary>
    public string? TranscriptionModel { get; set; }

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 100;

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;
}

/// <summary>Azure OpenAI (section <c>AzureOpenAI</c>); without an API key, Entra ID through DefaultAzureCredential.</summary>
public sealed class AzureOpenAIOptions
{
    public const string Section = "AzureOpenAI";

    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>The default deployment (Azure's name for a model).</summary>
    public string Deployment { get; set; } = "";

    /// <summary>The deployment for <c>input.transcribe</c>; transcription is off when empty.</summary>
    public string? TranscriptionDeployment { get; set; }

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 100;

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;
}

/// <summary>Checks that the chosen provider has what it needs, naming the missing key.</summary>
public sealed class ModelProviderValidation(
    Microsoft.Extensions.Options.IOptions<OpenAIOptions> openAI,
    Microsoft.Extensions.Options.IOptions<AzureOpenAIOptions> azure) : Microsoft.Extensions.Options.IValidateOptions<AssistantOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AssistantOptions options)
    {
        var errors = new List<string>();
        // An address without a scheme binds as a relative URI and fails every turn later ("relative URI"): say so now.
        if (openAI.Value.Endpoint is { } openAIEndpoint && !IsHttp(openAIEndpoint))
            errors.Add($"OpenAI:Endpoint must be an absolute http(s) address, e.g. http://localhost:11434/v1 (got '{openAIEndpoint}').");
        if (azure.Value.Endpoint is { } azureEndpoint && !IsHttp(azureEndpoint))
            errors.Add($"AzureOpenAI:Endpoint must be an absolute https address, e.g. https://my-resource.openai.azure.com/ (got '{azureEndpoint}').");
        switch (options.Provider)
        {
            case AssistantProvider.OpenAI:
                if (string.IsNullOrWhiteSpace(openAI.Value.Model)) errors.Add("Assistant:Provider=OpenAI needs OpenAI:Model.");
                if (openAI.Value.Endpoint is null && string.IsNullOrWhiteSpace(openAI.Value.ApiKey))
                    errors.Add("Assistant:Provider=OpenAI needs OpenAI:ApiKey (or OpenAI:Endpoint for a compatible server that needs no key).");
                break;
            case AssistantProvider.AzureOpenAI:
                if (azure.Value.Endpoint is null) errors.Add("Assistant:Provider=AzureOpenAI needs AzureOpenAI:Endpoint.");
                if (string.IsNullOrWhiteSpace(azure.Value.Deployment)) errors.Add("Assistant:Provider=AzureOpenAI needs AzureOpenAI:Deployment.");
                break;
        }
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttp(Uri uri) => uri.IsAbsoluteUri && uri.Scheme is "http" or "https";
}
