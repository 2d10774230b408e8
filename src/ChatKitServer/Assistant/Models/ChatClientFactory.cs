using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using Azure.Identity;
using ChatKitServer.Configuration;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Chat;

namespace ChatKitServer.Assistant.Models;

/// <summary>
/// Makes (and caches) the official clients for the configured provider: OpenAI or any compatible
/// endpoint through <see cref="OpenAIClient"/>, Azure OpenAI through <see cref="AzureOpenAIClient"/>
/// (API key, or Entra ID with DefaultAzureCredential). The client pipeline retries 429 and 5xx
/// with backoff, honouring Retry-After, up to MaxRetries times, and times out calls.
/// </summary>
public sealed class ChatClientFactory(IOptions<AssistantOptions> assistant, IOptions<OpenAIOptions> openAI, IOptions<AzureOpenAIOptions> azure)
{
    private readonly ConcurrentDictionary<string, ChatClient> _chat = new(StringComparer.Ordinal);
    private readonly Lazy<OpenAIClient> _root = new(() => CreateRoot(assistant.Value, openAI.Value, azure.Value));

    /// <summary>The model (Azure: deployment) used when a request names none.</summary>
    public string DefaultModel => assistant.Value.Provider == AssistantProvider.AzureOpenAI ? azure.Value.Deployment : openAI.Value.Model;

    /// <summary>The provider's name, for telemetry (<see cref="Microsoft.Extensions.AI.ChatClientMetadata"/>).</summary>
    public string ProviderName => assistant.Value.Provider == AssistantProvider.AzureOpenAI ? "azure.ai.openai" : "openai";

    /// <summary>The endpoint called, when one is configured.</summary>
    public Uri? Endpoint => assistant.Value.Provider == AssistantProvider.AzureOpenAI ? azure.Value.Endpoint : openAI.Value.Endpoint;

    /// <summary>The transcription model or deployment, when one is configured.</summary>
    public string? TranscriptionModel => assistant.Value.Provider == AssistantProvider.AzureOpenAI ? azure.Value.TranscriptionDeployment : openAI.Value.TranscriptionModel;

    public ChatClient For(string model) => _chat.GetOrAdd(model, m => _root.Value.GetChatClient(m));

    public AudioClient Audio(string model) => _root.Value.GetAudioClient(model);

    private static OpenAIClient CreateRoot(AssistantOptions assistant, OpenAIOptions openAI, AzureOpenAIOptions azure)
    {
        if (assistant.Provider == AssistantProvider.AzureOpenAI)
        {
            var options = Configure(new AzureOpenAIClientOptions(), azure.TimeoutSeconds, azure.MaxRetries);
            return string.IsNullOrWhiteSpace(azure.ApiKey)
                ? new AzureOpenAIClient(azure.Endpoint!, new DefaultAzureCredential(), options)
                : new AzureOpenAIClient(azure.Endpoint!, new ApiKeyCredential(azure.ApiKey), options);
        }
        var openAIOptions = Configure(new OpenAIClientOptions(), openAI.TimeoutSeconds, openAI.MaxRetries);
        if (openAI.Endpoint is not null)
        {
            openAIOptions.Endpoint = openAI.Endpoint;
            openAIOptions.AddPolicy(new MissingToolCallIds(), PipelinePosition.PerTry); // some compatible servers leave tool call ids out
        }
        // Compatible local servers often need no key, but the client insists on one.
        return new OpenAIClient(new ApiKeyCredential(string.IsNullOrWhiteSpace(openAI.ApiKey) ? "no-key" : openAI.ApiKey), openAIOptions);
    }

    private static T Configure<T>(T options, int timeoutSeconds, int maxRetries) where T : ClientPipelineOptions
    {
        options.NetworkTimeout = TimeSpan.FromSeconds(timeoutSeconds);
        options.RetryPolicy = new ClientRetryPolicy(maxRetries);
        return options;
    }
}
