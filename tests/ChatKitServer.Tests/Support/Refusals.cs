using ChatKit;

namespace ChatKitServer.Tests.Support;

/// <summary>Requests the server must refuse, sent through the kit's client: the refusal (status and detail) is returned.</summary>
public static class Refusals
{
    /// <summary>Runs <paramref name="request"/>, which must fail with a <see cref="ChatKitClientException"/>; returns it.</summary>
    public static async Task<ChatKitClientException> RefusedAsync(Func<Task> request, string because = "the server refuses it") =>
        (await request.Should().ThrowAsync<ChatKitClientException>(because)).Which;

    /// <summary>Sends any request (streamed or not), which the server must refuse; returns the refusal.</summary>
    public static Task<ChatKitClientException> RefusedAsync(this ChatKitClient client, ChatKitRequest request) =>
        RefusedAsync(() => SendAsync(client, request), $"{request.Kind} is refused");

    /// <summary>Sends any request: a stream is read to its end, a JSON answer returned as written.</summary>
    public static async Task<string> SendAsync(this ChatKitClient client, ChatKitRequest request) => request switch
    {
        StreamingRequest streaming => string.Join("\n", (await client.StreamFramesAsync(streaming).CollectAsync()).Frames),
        NonStreamingRequest json => await client.SendRawAsync(json),
        _ => throw new ArgumentException($"{request.GetType().Name} is neither streamed nor JSON.", nameof(request)),
    };
}
