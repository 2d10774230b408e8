using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit.Json;

namespace ChatKit.Client;

/// <summary>
/// A client for any ChatKit server over an <see cref="HttpClient"/>: one method per request type.
/// Streaming requests return the server's events as they arrive, parsed with
/// <c>System.Net.ServerSentEvents</c>; stopping the enumeration (or cancelling) closes the stream,
/// which is how a ChatKit client cancels. Failed requests throw <see cref="ChatKitClientException"/>;
/// a success of another content type than the protocol's (JSON or an event stream) throws <see cref="InvalidDataException"/>.
/// An error the server reports inside a stream is an <see cref="ErrorEvent"/>, not an exception:
/// <see cref="ChatKitTurn.EnsureSuccess"/> (or <see cref="ChatKitStreamExtensions.TextDeltasAsync"/>) turns it into one.
/// </summary>
/// <param name="http">The HTTP client; its <see cref="HttpClient.BaseAddress"/> says where the server is.</param>
/// <param name="path">
/// The ChatKit endpoint, resolved against <see cref="HttpClient.BaseAddress"/> as any relative URI is. The default,
/// <c>chatkit</c>, is relative: with <c>https://host/assistant/</c> (ending with a slash) requests go to
/// <c>https://host/assistant/chatkit</c>; with <c>https://host/assistant</c> (no slash) the last segment is replaced and
/// they go to <c>https://host/chatkit</c>; with <c>https://host</c> to <c>https://host/chatkit</c>. A path starting with
/// <c>/</c> (such as <c>/chatkit</c>) always starts at the host, whatever the base address's path.
/// </param>
public sealed partial class ChatKitClient(HttpClient http, string path = ChatKitClient.DefaultPath)
{
    /// <summary>The default endpoint path, <c>chatkit</c>: relative, so that it goes under the base address's path (see the class's <c>path</c> parameter).</summary>
    public const string DefaultPath = "chatkit";

    /// <summary>The endpoint path requests are sent to, relative to <see cref="HttpClient.BaseAddress"/> unless it starts with <c>/</c>.</summary>
    public string Path { get; } = path;

    /// <summary>The HTTP client (its base address, default headers and handlers are used as they are).</summary>
    public HttpClient Http { get; } = http;

    /// <summary>A user message made of one text part.</summary>
    public static UserMessageInput Text(string text, params string[] attachmentIds) =>
        new() { Content = [new UserMessageTextContent { Text = text }], Attachments = [.. attachmentIds] };

    // Streaming requests

    /// <summary><c>threads.create</c>.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> CreateThreadAsync(UserMessageInput input, CancellationToken cancellationToken = default) =>
        StreamAsync(new ThreadsCreateRequest { Params = new ThreadCreateParams { Input = input } }, cancellationToken);

    /// <summary><c>threads.add_user_message</c>.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> AddUserMessageAsync(string threadId, UserMessageInput input, CancellationToken cancellationToken = default) =>
        StreamAsync(new ThreadsAddUserMessageRequest { Params = new ThreadAddUserMessageParams { ThreadId = threadId, Input = input } }, cancellationToken);

    /// <summary><c>threads.add_client_tool_output</c>.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> AddClientToolOutputAsync(string threadId, JsonNode? result, CancellationToken cancellationToken = default) =>
        StreamAsync(new ThreadsAddClientToolOutputRequest { Params = new ThreadAddClientToolOutputParams { ThreadId = threadId, Result = result } }, cancellationToken);

    /// <summary><c>threads.add_structured_input</c>.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> AddStructuredInputAsync(string threadId, string itemId, StructuredInputSubmission input, CancellationToken cancellationToken = default) =>
        StreamAsync(new ThreadsAddStructuredInputRequest { Params = new ThreadAddStructuredInputParams { ThreadId = threadId, ItemId = itemId, Input = input } }, cancellationToken);

    /// <summary><c>threads.retry_after_item</c>.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> RetryAfterItemAsync(string threadId, string itemId, CancellationToken cancellationToken = default) =>
        StreamAsync(new ThreadsRetryAfterItemRequest { Params = new ThreadItemRefParams { ThreadId = threadId, ItemId = itemId } }, cancellationToken);

    /// <summary><c>threads.custom_action</c>.</summary>
    public IAsyncEnumerable<ThreadStreamEvent> CustomActionAsync(string threadId, string? itemId, ChatKitAction action, CancellationToken cancellationToken = default) =>
        StreamAsync(new ThreadsCustomActionRequest { Params = new ThreadCustomActionParams { ThreadId = threadId, ItemId = itemId, Action = action } }, cancellationToken);

    // JSON requests

    /// <summary><c>threads.get_by_id</c>.</summary>
    public Task<ChatKitThread> GetThreadAsync(string threadId, CancellationToken cancellationToken = default) =>
        SendAsync<ChatKitThread>(new ThreadsGetByIdRequest { Params = new ThreadIdParams { ThreadId = threadId } }, cancellationToken);

    /// <summary><c>threads.list</c>: one page (<see cref="GetAllThreadsAsync"/> follows the pages).</summary>
    public Task<Page<ChatKitThread>> ListThreadsAsync(int? limit = null, SortOrder order = SortOrder.Desc, string? after = null, CancellationToken cancellationToken = default) =>
        SendAsync<Page<ChatKitThread>>(new ThreadsListRequest { Params = new ListParams { Limit = limit, Order = order, After = after } }, cancellationToken);

    /// <summary><c>threads.update</c>.</summary>
    public Task<ChatKitThread> UpdateThreadAsync(string threadId, string title, CancellationToken cancellationToken = default) =>
        SendAsync<ChatKitThread>(new ThreadsUpdateRequest { Params = new ThreadUpdateParams { ThreadId = threadId, Title = title } }, cancellationToken);

    /// <summary><c>threads.delete</c>.</summary>
    public Task DeleteThreadAsync(string threadId, CancellationToken cancellationToken = default) =>
        SendRawAsync(new ThreadsDeleteRequest { Params = new ThreadIdParams { ThreadId = threadId } }, cancellationToken);

    /// <summary><c>items.list</c>: one page (<see cref="GetAllItemsAsync"/> follows the pages).</summary>
    public Task<Page<ThreadItem>> ListItemsAsync(string threadId, int? limit = null, SortOrder order = SortOrder.Desc, string? after = null, CancellationToken cancellationToken = default) =>
        SendAsync<Page<ThreadItem>>(new ItemsListRequest { Params = new ItemsListParams { ThreadId = threadId, Limit = limit, Order = order, After = after } }, cancellationToken);

    /// <summary><c>items.feedback</c>.</summary>
    public Task SendFeedbackAsync(string threadId, IEnumerable<string> itemIds, FeedbackKind kind, CancellationToken cancellationToken = default) =>
        SendRawAsync(new ItemsFeedbackRequest { Params = new ItemFeedbackParams { ThreadId = threadId, ItemIds = [.. itemIds], Kind = kind } }, cancellationToken);

    /// <summary><c>attachments.create</c>.</summary>
    public Task<Attachment> CreateAttachmentAsync(string name, long size, string mimeType, CancellationToken cancellationToken = default) =>
        SendAsync<Attachment>(new AttachmentsCreateRequest { Params = new AttachmentCreateParams { Name = name, Size = size, MimeType = mimeType } }, cancellationToken);

    /// <summary><c>attachments.delete</c>.</summary>
    public Task DeleteAttachmentAsync(string attachmentId, CancellationToken cancellationToken = default) =>
        SendRawAsync(new AttachmentsDeleteRequest { Params = new AttachmentDeleteParams { AttachmentId = attachmentId } }, cancellationToken);

    /// <summary>Sends an attachment's bytes to its <c>upload_descriptor</c> (two-phase upload, multipart field <c>file</c>).</summary>
    public async Task UploadAsync(Attachment attachment, Stream content, CancellationToken cancellationToken = default)
    {
        var descriptor = attachment.UploadDescriptor ?? throw new InvalidOperationException($"Attachment '{attachment.Id}' has no upload descriptor.");
        var file = new StreamContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(attachment.MimeType);
        using var message = new HttpRequestMessage(new HttpMethod(descriptor.Method), descriptor.Url) { Content = new MultipartFormDataContent { { file, "file", attachment.Name } } };
        foreach (var (name, value) in descriptor.Headers) message.Headers.TryAddWithoutValidation(name, value);
        using var response = await Http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "upload", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Uploads a file in one step to <paramref name="uploadUrl"/> (ChatKit's <c>direct</c> upload strategy: a multipart
    /// field <c>file</c>); returns the attachment the server made for it, ready to send with a message.
    /// </summary>
    public async Task<Attachment> UploadDirectAsync(string uploadUrl, Stream content, string name, string mimeType, CancellationToken cancellationToken = default)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(mimeType);
        using var response = await Http.PostAsync(uploadUrl, new MultipartFormDataContent { { file, "file", name } }, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "upload", cancellationToken).ConfigureAwait(false);
        EnsureMediaType(response, "application/json", "upload");
        return ChatKitJson.Deserialize<Attachment>(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary><c>input.transcribe</c>.</summary>
    public Task<TranscriptionResult> TranscribeAsync(ReadOnlyMemory<byte> audio, string mimeType, CancellationToken cancellationToken = default) =>
        SendAsync<TranscriptionResult>(new InputTranscribeRequest { Params = new InputTranscribeParams { AudioBase64 = Convert.ToBase64String(audio.Span), MimeType = mimeType } }, cancellationToken);

    /// <summary><c>threads.sync_custom_action</c>.</summary>
    public Task<SyncCustomActionResponse> SyncCustomActionAsync(string threadId, string? itemId, ChatKitAction action, CancellationToken cancellationToken = default) =>
        SendAsync<SyncCustomActionResponse>(new ThreadsSyncCustomActionRequest { Params = new ThreadCustomActionParams { ThreadId = threadId, ItemId = itemId, Action = action } }, cancellationToken);

    // The two transports

    /// <summary>
    /// Sends any streaming request and yields its events as they arrive. Once <paramref name="cancellationToken"/> is
    /// cancelled nothing more is yielded (events already received but not yet read included): the next read throws
    /// <see cref="OperationCanceledException"/> and the stream is closed, which cancels the turn on the server.
    /// </summary>
    public async IAsyncEnumerable<ThreadStreamEvent> StreamAsync(StreamingRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var frame in StreamFramesAsync(request, cancellationToken).ConfigureAwait(false))
            yield return ChatKitJson.Deserialize<ThreadStreamEvent>(frame);
    }

    /// <summary>Sends any streaming request and yields each frame's raw <c>data</c> (for tools that check the wire itself); cancelled as <see cref="StreamAsync"/> is.</summary>
    public async IAsyncEnumerable<string> StreamFramesAsync(ChatKitRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var message = Message(request);
        message.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, request.Kind, cancellationToken).ConfigureAwait(false);
        EnsureMediaType(response, "text/event-stream", request.Kind);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var frame in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            // The parser hands out the frames it has already read without looking at the token: once cancelled, none.
            cancellationToken.ThrowIfCancellationRequested();
            if (frame.EventType != SseParser.EventTypeDefault)
                throw new InvalidDataException($"ChatKit frames carry no 'event:' line; got '{frame.EventType}'.");
            yield return frame.Data;
        }
    }

    /// <summary>Sends any JSON request and reads its answer as <typeparamref name="T"/>.</summary>
    public async Task<T> SendAsync<T>(NonStreamingRequest request, CancellationToken cancellationToken = default)
    {
        var json = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        return ChatKitJson.Deserialize<T>(json);
    }

    /// <summary>Sends any JSON request and returns the body as it came.</summary>
    public async Task<string> SendRawAsync(NonStreamingRequest request, CancellationToken cancellationToken = default)
    {
        using var message = Message(request);
        using var response = await Http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, request.Kind, cancellationToken).ConfigureAwait(false);
        EnsureMediaType(response, "application/json", request.Kind);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A success that is not what the protocol answers (a proxy's or an app's HTML page at the ChatKit path) is an error, not an empty result.</summary>
    private static void EnsureMediaType(HttpResponseMessage response, string expected, string what)
    {
        var actual = response.Content.Headers.ContentType?.MediaType;
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{what} was answered with {(int)response.StatusCode} and '{actual ?? "no content type"}', not {expected}: is this a ChatKit endpoint?");
    }

    private HttpRequestMessage Message(ChatKitRequest request) => new(HttpMethod.Post, Path)
    {
        Content = new StringContent(ChatKitJson.Serialize(request), Encoding.UTF8, "application/json"),
    };

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string? detail = null;
        try
        {
            detail = (string?)JsonNode.Parse(body)?["detail"];
        }
        catch (System.Text.Json.JsonException)
        {
            // not a problem body; the raw text is kept
        }
        throw new ChatKitClientException((int)response.StatusCode, detail ?? body, what);
    }
}

/// <summary>The server refused a request; <see cref="StatusCode"/> and <see cref="Detail"/> say why.</summary>
public sealed class ChatKitClientException(int statusCode, string detail, string request)
    : Exception($"{request} failed with {statusCode}: {detail}")
{
    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; } = statusCode;
    /// <summary>What the server said was wrong.</summary>
    public string Detail { get; } = detail;
}
