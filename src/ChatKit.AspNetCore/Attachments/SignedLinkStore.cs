using ChatKit;
using ChatKit.Json;

namespace ChatKit.AspNetCore;

/// <summary>
/// Keeps signed links out of the database and fresh when served: an image attachment's <c>preview_url</c>
/// is stored as its stable path (<see cref="AttachmentLinks.PreviewPath"/>: no host, no signature, nothing
/// that expires) and signed anew, for its owner, each time an item or attachment is loaded. A thread
/// reloaded a week later shows its images; a link copied out of it stops working after
/// <c>Attachments:PreviewLinkLifetime</c>. Wraps the configured <see cref="IChatKitStore"/>.
/// </summary>
internal sealed class SignedLinkStore(IChatKitStore inner, AttachmentLinks links) : IChatKitStore
{
    public Task<ThreadMetadata> LoadThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.LoadThreadAsync(threadId, context, cancellationToken);

    public Task SaveThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.SaveThreadAsync(thread, context, cancellationToken);

    public Task SaveNewThreadAsync(ThreadMetadata thread, ThreadItem firstItem, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.SaveNewThreadAsync(thread, Stable(firstItem), attachments.Select(StableAttachment).ToList(), context, cancellationToken);

    public Task UpdateThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.UpdateThreadAsync(thread, context, cancellationToken);

    public Task<Page<ThreadMetadata>> LoadThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.LoadThreadsAsync(limit, after, order, context, cancellationToken);

    // Threads hold no attachments: the page goes out as the inner store answers it.
    public Task<Page<WireThread>> LoadWireThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.LoadWireThreadsAsync(limit, after, order, context, cancellationToken);

    public Task DeleteThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.DeleteThreadAsync(threadId, context, cancellationToken);

    public async Task<Page<ThreadItem>> LoadThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        Signed(await inner.LoadThreadItemsAsync(threadId, after, limit, order, context, cancellationToken), context);

    public async Task<Page<ThreadItem>> LoadVisibleThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default) =>
        Signed(await inner.LoadVisibleThreadItemsAsync(threadId, after, limit, order, context, cancellationToken), context);

    // Items that come as JSON have no attachments (ChatKitStorageJson.IsWireForm), so only those that come as items are signed.
    public async Task<Page<WireItem>> LoadVisibleWireItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var page = await inner.LoadVisibleWireItemsAsync(threadId, after, limit, order, context, cancellationToken);
        foreach (var wire in page.Data)
        {
            if (wire.Item is { } item) Sign(item, context.UserId);
        }
        return page;
    }

    public async Task<IReadOnlyList<ThreadItem>> LoadRecentItemsOfKindsAsync(string threadId, int window, IReadOnlySet<string> kinds, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var items = await inner.LoadRecentItemsOfKindsAsync(threadId, window, kinds, context, cancellationToken);
        foreach (var item in items) Sign(item, context.UserId);
        return items;
    }

    public Task AddThreadItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.AddThreadItemAsync(threadId, Stable(item), context, cancellationToken);

    public Task AddUserMessageAsync(string threadId, ThreadItem message, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.AddUserMessageAsync(threadId, Stable(message), attachments.Select(StableAttachment).ToList(), context, cancellationToken);

    public Task SaveItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.SaveItemAsync(threadId, Stable(item), context, cancellationToken);

    public async Task<ThreadItem> LoadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default) =>
        Sign(await inner.LoadItemAsync(threadId, itemId, context, cancellationToken), context.UserId);

    public Task DeleteThreadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.DeleteThreadItemAsync(threadId, itemId, context, cancellationToken);

    public Task SaveAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.SaveAttachmentAsync(StableAttachment(attachment), context, cancellationToken);

    private Attachment StableAttachment(Attachment attachment) =>
        attachment is ImageAttachment image && image.PreviewUrl != links.PreviewPath(image.Id) ? StableCopy(image) : attachment;

    public async Task<Attachment> LoadAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var attachment = await inner.LoadAttachmentAsync(attachmentId, context, cancellationToken);
        if (attachment is ImageAttachment image) Sign(image, context.UserId);
        return attachment;
    }

    public Task DeleteAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.DeleteAttachmentAsync(attachmentId, context, cancellationToken);

    public Task SaveFeedbackAsync(string threadId, IReadOnlyList<string> itemIds, FeedbackKind kind, ChatKitContext context, CancellationToken cancellationToken = default) =>
        inner.SaveFeedbackAsync(threadId, itemIds, kind, context, cancellationToken);

    /// <summary>Gives the image attachments of <paramref name="item"/> fresh links for <paramref name="owner"/> (in place).</summary>
    public ThreadItem Sign(ThreadItem item, string owner)
    {
        if (item is UserMessageItem message)
        {
            foreach (var image in message.Attachments.OfType<ImageAttachment>()) Sign(image, owner);
        }
        return item;
    }

    private void Sign(ImageAttachment image, string owner)
    {
        if (links.Preview(image.Id, owner) is { } link) image.PreviewUrl = link;
    }

    private Page<ThreadItem> Signed(Page<ThreadItem> page, ChatKitContext context)
    {
        foreach (var item in page.Data) Sign(item, context.UserId);
        return page;
    }

    /// <summary>The item as stored: image previews as stable paths. A copy, so the caller's item (about to be streamed) keeps its links.</summary>
    private ThreadItem Stable(ThreadItem item)
    {
        if (item is not UserMessageItem message || !message.Attachments.OfType<ImageAttachment>().Any()) return item;
        var copy = (UserMessageItem)ChatKitJson.Clone<ThreadItem>(item);
        foreach (var image in copy.Attachments.OfType<ImageAttachment>()) image.PreviewUrl = links.PreviewPath(image.Id);
        return copy;
    }

    private ImageAttachment StableCopy(ImageAttachment image)
    {
        var copy = (ImageAttachment)ChatKitJson.Clone<Attachment>(image);
        copy.Metadata = image.Metadata?.DeepClone().AsObject(); // the store keeps metadata beside the attachment's JSON
        copy.PreviewUrl = links.PreviewPath(image.Id);
        return copy;
    }
}
