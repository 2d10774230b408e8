using ChatKit;
using OpenAI.Audio;

namespace ChatKitServer.Assistant.Models;

/// <summary><c>input.transcribe</c> through the provider's audio transcription (<c>OpenAI:TranscriptionModel</c>).</summary>
public sealed class OpenAITranscriber(ChatClientFactory clients) : IChatKitTranscriber
{
    public async Task<TranscriptionResult> TranscribeAsync(ReadOnlyMemory<byte> audio, string mimeType, ChatKitContext context, CancellationToken cancellationToken)
    {
        var client = clients.Audio(clients.TranscriptionModel!);
        var options = new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Text };
        // The service takes an ISO-639-1 code: the tag's language, when it is one (fr-CA: fr).
        if (context.Locale?.Split('-', '_')[0] is { Length: 2 } language) options.Language = language.ToLowerInvariant();
        using var stream = new MemoryStream(audio.ToArray());
        var result = await client.TranscribeAudioAsync(stream, "audio" + Extension(mimeType), options, cancellationToken);
        return new TranscriptionResult { Text = result.Value.Text };
    }

    // The service recognizes the format by the file name.
    private static string Extension(string mimeType) => mimeType.Split(';', 2)[0].Trim() switch
    {
        "audio/webm" => ".webm",
        "audio/ogg" => ".ogg",
        "audio/mp4" => ".mp4",
        "audio/mpeg" => ".mp3",
        "audio/wav" or "audio/x-wav" => ".wav",
        _ => throw new ChatKitValidationException($"input.transcribe: unsupported audio type '{mimeType}'; use audio/webm, audio/ogg, audio/mp4, audio/mpeg or audio/wav."),
    };
}
