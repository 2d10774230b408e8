namespace ChatKit;

/// <summary>
/// Where threads, items, attachments and feedback live. Every call is scoped to
/// <see cref="ChatKitContext.UserId"/>: another user's records are "not found"
/// (<see cref="ChatKitNotFoundException"/>), never listed and never changed.
/// Cursors (<c>after</c>) are record ids; an unknown cursor is a <see cref="ChatKitValidationException"/>.
/// </summary>
public interface IChatKitStore
{
    /// <summary>A thread's metadata; throws <see cref="ChatKitNotFoundException"/> when absent.</summary>
    Task<ThreadMetadata> LoadThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>Creates or updates a thread's metadata (title, status, metadata).</summary>
    Task SaveThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// Updates an existing thread's metadata and never creates one: a thread that is gone (deleted while a turn ran or an
    /// update was on its way) or is another user's throws <see cref="ChatKitNotFoundException"/>, so it does not come back
    /// empty. The default loads the thread, then saves it (a delete between the two still creates it again); a store that
    /// can update only an existing row in one statement should do so.
    /// </summary>
    async Task UpdateThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        await LoadThreadAsync(thread.Id, context, cancellationToken).ConfigureAwait(false);
        await SaveThreadAsync(thread, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Saves a thread that <c>threads.create</c> has just made together with its first item and the attachments that item
    /// carries (their <see cref="Attachment.ThreadId"/> already set to the thread): what the engine stores before it sends
    /// <c>thread.created</c>. The default saves the thread, then each attachment, then the item, one call each; a store that
    /// can should write them in one transaction, so that a thread is never stored without the message it was created for
    /// and a new thread costs one commit instead of two or more.
    /// </summary>
    async Task SaveNewThreadAsync(ThreadMetadata thread, ThreadItem firstItem, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        await SaveThreadAsync(thread, context, cancellationToken).ConfigureAwait(false);
        foreach (var attachment in attachments)
            await SaveAttachmentAsync(attachment, context, cancellationToken).ConfigureAwait(false);
        await AddThreadItemAsync(thread.Id, firstItem, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A page of the caller's threads ordered by creation time.</summary>
    Task<Page<ThreadMetadata>> LoadThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a thread with everything of it: items, feedback and the records of the attachments its
    /// messages use. Nothing happens when the caller has no such thread (a retried delete succeeds).
    /// </summary>
    Task DeleteThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of a thread's items (hidden items included) in the thread's order: by <c>created_at</c>, the
    /// order in which the client first saw them, then by arrival. <see cref="Page{T}.After"/> is set only
    /// when <see cref="Page{T}.HasMore"/> is true.
    /// </summary>
    Task<Page<ThreadItem>> LoadThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the items a client may see: hidden items are skipped and the page is filled up to
    /// <paramref name="limit"/> while the thread has more. The default reads
    /// <see cref="LoadThreadItemsAsync"/> pages until the page is full; a store that can filter
    /// hidden items in its query should do so instead.
    /// </summary>
    async Task<Page<ThreadItem>> LoadVisibleThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var visible = new List<ThreadItem>(limit);
        var cursor = after;
        var hasMore = true;
        while (visible.Count < limit && hasMore)
        {
            var page = await LoadThreadItemsAsync(threadId, cursor, limit - visible.Count, order, context, cancellationToken).ConfigureAwait(false);
            visible.AddRange(page.Data.Where(i => !i.IsHidden));
            hasMore = page.HasMore && page.Data.Count > 0;
            cursor = page.After ?? cursor;
        }
        return new Page<ThreadItem> { Data = visible, HasMore = hasMore, After = hasMore ? cursor : null };
    }

    /// <summary>
    /// The page <see cref="LoadVisibleThreadItemsAsync"/> answers, for <c>items.list</c> to send: a store that keeps items as
    /// JSON may hand out that JSON instead of the item when it is exactly what serializing the item would write
    /// (<see cref="WireItem(string)"/>), which saves reading and writing each item again. The default answers every item as an
    /// item. A store decorator that changes items on their way out must change them here too: the items that come as JSON
    /// are only ever items whose stored form is their wire form (<see cref="Json.ChatKitStorageJson.IsWireForm"/>: no
    /// attachments), so a decorator that changes only attachments changes only the items that come as items.
    /// </summary>
    async Task<Page<WireItem>> LoadVisibleWireItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var page = await LoadVisibleThreadItemsAsync(threadId, after, limit, order, context, cancellationToken).ConfigureAwait(false);
        return new Page<WireItem> { Data = page.Data.ConvertAll(item => new WireItem(item)), HasMore = page.HasMore, After = page.After };
    }

    /// <summary>
    /// The page <see cref="LoadThreadsAsync"/> answers, for <c>threads.list</c> to send: a store that keeps each thread's client
    /// JSON (<see cref="WireThread.ClientJsonOf"/>) may hand out that JSON instead of the thread when it is exactly what this
    /// build writes for the thread as stored now, which saves reading and writing each thread again. The default answers every
    /// thread as a thread. A store decorator that changes threads on their way out must override this too.
    /// </summary>
    async Task<Page<WireThread>> LoadWireThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var page = await LoadThreadsAsync(limit, after, order, context, cancellationToken).ConfigureAwait(false);
        return new Page<WireThread> { Data = page.Data.ConvertAll(thread => new WireThread(thread)), HasMore = page.HasMore, After = page.After };
    }

    /// <summary>
    /// The items among the thread's newest <paramref name="window"/> (hidden ones included) whose <see cref="ThreadItem.Kind"/> is one
    /// of <paramref name="kinds"/>, newest first: what the engine looks through for a client tool call or a structured input still
    /// pending before each turn. Same errors as <see cref="LoadThreadItemsAsync"/>. The default reads that page with
    /// <see cref="LoadThreadItemsAsync"/> and keeps those items; a store that keeps each item's kind apart from its JSON should
    /// build only those items (the others are usually all of them).
    /// </summary>
    async Task<IReadOnlyList<ThreadItem>> LoadRecentItemsOfKindsAsync(string threadId, int window, IReadOnlySet<string> kinds, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var page = await LoadThreadItemsAsync(threadId, null, window, SortOrder.Desc, context, cancellationToken).ConfigureAwait(false);
        return page.Data.Where(i => kinds.Contains(i.Kind)).ToList();
    }

    /// <summary>Adds a new item to the thread; its place in the order (its <c>created_at</c>, then arrival) is fixed at this call.</summary>
    Task AddThreadItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>Replaces an item by id, keeping its place; adds it when absent.</summary>
    Task SaveItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>One item; throws <see cref="ChatKitNotFoundException"/> when absent.</summary>
    Task<ThreadItem> LoadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>Deletes one item (and its feedback); nothing happens when it is already gone.</summary>
    Task DeleteThreadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a user's message with the attachments it carries (their <see cref="Attachment.ThreadId"/> already set to the
    /// thread), as <c>threads.add_user_message</c> stores it before its <c>thread.item.done</c>. The default saves each
    /// attachment, then the item, one call each; a store that can should write them in one transaction, so that an
    /// attachment refused by <see cref="SaveAttachmentAsync"/> (already in another thread) leaves no message behind.
    /// </summary>
    async Task AddUserMessageAsync(string threadId, ThreadItem message, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        foreach (var attachment in attachments)
            await SaveAttachmentAsync(attachment, context, cancellationToken).ConfigureAwait(false);
        await AddThreadItemAsync(threadId, message, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates or updates an attachment's record. An attachment belongs to the first thread it is saved with: a save that
    /// names another thread (or none) while the record names one throws <see cref="ChatKitConflictException"/>
    /// (<see cref="ChatKitConflictException.AttachmentInAnotherThread"/>) and changes nothing, even when two sends race.
    /// </summary>
    Task SaveAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>An attachment's record; throws <see cref="ChatKitNotFoundException"/> when absent.</summary>
    Task<Attachment> LoadAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>Deletes an attachment's record; throws when absent.</summary>
    Task DeleteAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default);

    /// <summary>Records feedback on items of a thread (the latest kind per item wins).</summary>
    Task SaveFeedbackAsync(string threadId, IReadOnlyList<string> itemIds, FeedbackKind kind, ChatKitContext context, CancellationToken cancellationToken = default);
}
