using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// A thread-safe store kept in memory, for tests and small tools. Records are copied on the way
/// in and out (through their JSON form), so callers never share state with the store, just as
/// with a database. Scoped by user like every store.
/// </summary>
public sealed class InMemoryChatKitStore : IChatKitStore
{
    private readonly object _gate = new();
    private readonly List<ThreadRecord> _threads = [];
    private readonly Dictionary<string, (string UserId, Attachment Attachment, System.Text.Json.Nodes.JsonObject? Metadata)> _attachments = new(StringComparer.Ordinal);
    private long _sequence;

    private sealed class ThreadRecord(string userId, ThreadMetadata thread, long sequence)
    {
        public string UserId { get; } = userId;
        public ThreadMetadata Thread { get; set; } = thread;
        public long Sequence { get; } = sequence;
        /// <summary>Kept in the thread's order: creation time, then arrival; a replaced item keeps its place.</summary>
        public List<PlacedItem> Items { get; } = [];
        public Dictionary<string, FeedbackKind> Feedback { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>An item and the creation time it was first stored with, which fixes its place.</summary>
    private sealed record PlacedItem(DateTimeOffset At, ThreadItem Item);

    /// <summary>The feedback recorded on an item, for tests and admin views.</summary>
    public FeedbackKind? FeedbackFor(string threadId, string itemId, ChatKitContext context)
    {
        lock (_gate)
            return Find(threadId, context).Feedback.TryGetValue(itemId, out var kind) ? kind : null;
    }

    /// <inheritdoc />
    public Task<ThreadMetadata> LoadThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult(ChatKitStorageJson.Clone(Find(threadId, context).Thread));
    }

    /// <inheritdoc />
    public Task SaveThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var copy = CopyMetadata(thread);
        lock (_gate)
        {
            var existing = _threads.FirstOrDefault(t => t.Thread.Id == thread.Id);
            if (existing is null)
                _threads.Add(new ThreadRecord(context.UserId, copy, ++_sequence));
            else if (existing.UserId != context.UserId)
                throw ChatKitNotFoundException.Thread(thread.Id);
            else
                existing.Thread = copy;
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UpdateThreadAsync(ThreadMetadata thread, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var copy = CopyMetadata(thread);
        lock (_gate)
            Find(thread.Id, context).Thread = copy;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<Page<ThreadMetadata>> LoadThreadsAsync(int limit, string? after, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var mine = _threads.Where(t => t.UserId == context.UserId).OrderBy(t => t.Thread.CreatedAt).ThenBy(t => t.Sequence).Select(t => t.Thread).ToList();
            return Task.FromResult(Paginate(mine, t => t.Id, limit, after, order, "thread"));
        }
    }

    /// <inheritdoc />
    public Task DeleteThreadAsync(string threadId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // Nothing to delete is not an error: a retried delete (or another user's thread) answers the same.
            if (_threads.RemoveAll(t => t.Thread.Id == threadId && t.UserId == context.UserId) == 0)
                return Task.CompletedTask;
            foreach (var id in _attachments.Where(a => a.Value.UserId == context.UserId && a.Value.Attachment.ThreadId == threadId).Select(a => a.Key).ToList())
                _attachments.Remove(id);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<Page<ThreadItem>> LoadThreadItemsAsync(string threadId, string? after, int limit, SortOrder order, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult(Paginate(Find(threadId, context).Items.Select(p => p.Item).ToList(), i => i.Id, limit, after, order, "item"));
    }

    /// <inheritdoc />
    public Task AddThreadItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var copy = ChatKitStorageJson.Clone(item);
        lock (_gate)
        {
            var record = Find(threadId, context);
            var index = record.Items.FindIndex(p => p.Item.Id == item.Id);
            if (index >= 0)
            {
                // The same item saved again keeps its place.
                record.Items[index] = record.Items[index] with { Item = copy };
            }
            else
            {
                // After every item created at or before it: the order is creation time, then arrival.
                var at = record.Items.FindLastIndex(p => p.At <= copy.CreatedAt);
                record.Items.Insert(at + 1, new PlacedItem(copy.CreatedAt, copy));
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SaveItemAsync(string threadId, ThreadItem item, ChatKitContext context, CancellationToken cancellationToken = default) =>
        AddThreadItemAsync(threadId, item, context, cancellationToken);

    /// <inheritdoc />
    public Task<ThreadItem> LoadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var item = Find(threadId, context).Items.FirstOrDefault(p => p.Item.Id == itemId)?.Item ?? throw ChatKitNotFoundException.Item(threadId, itemId);
            return Task.FromResult(ChatKitStorageJson.Clone(item));
        }
    }

    /// <inheritdoc />
    public Task DeleteThreadItemAsync(string threadId, string itemId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var record = Find(threadId, context);
            record.Items.RemoveAll(p => p.Item.Id == itemId);
            record.Feedback.Remove(itemId);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SaveAttachmentAsync(Attachment attachment, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        var copy = ChatKitStorageJson.Clone(attachment);
        lock (_gate)
        {
            CheckAttachmentSave(attachment, context);
            _attachments[attachment.Id] = (context.UserId, copy, attachment.Metadata?.DeepClone().AsObject());
        }
        return Task.CompletedTask;
    }

    /// <summary>Another user's attachment is not found; one already in another thread stays there (409).</summary>
    private void CheckAttachmentSave(Attachment attachment, ChatKitContext context)
    {
        if (!_attachments.TryGetValue(attachment.Id, out var existing)) return;
        if (existing.UserId != context.UserId)
            throw ChatKitNotFoundException.Attachment(attachment.Id);
        if (existing.Attachment.ThreadId is { } threadId && threadId != attachment.ThreadId)
            throw ChatKitConflictException.AttachmentInAnotherThread(attachment.Id);
    }

    /// <inheritdoc />
    /// <remarks>Under one lock: every attachment is checked before anything is kept.</remarks>
    public Task SaveNewThreadAsync(ThreadMetadata thread, ThreadItem firstItem, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_threads.FirstOrDefault(t => t.Thread.Id == thread.Id) is { } existing && existing.UserId != context.UserId)
                throw ChatKitNotFoundException.Thread(thread.Id);
            foreach (var attachment in attachments)
                CheckAttachmentSave(attachment, context);
            SaveThreadAsync(thread, context, cancellationToken);
            return AddUserMessageAsync(thread.Id, firstItem, attachments, context, cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>Under one lock: every attachment is checked before anything is kept.</remarks>
    public Task AddUserMessageAsync(string threadId, ThreadItem message, IReadOnlyList<Attachment> attachments, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Find(threadId, context);
            foreach (var attachment in attachments)
                CheckAttachmentSave(attachment, context);
            foreach (var attachment in attachments)
                SaveAttachmentAsync(attachment, context, cancellationToken);
            return AddThreadItemAsync(threadId, message, context, cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task<Attachment> LoadAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_attachments.TryGetValue(attachmentId, out var entry) || entry.UserId != context.UserId)
                throw ChatKitNotFoundException.Attachment(attachmentId);
            var copy = ChatKitStorageJson.Clone(entry.Attachment);
            copy.Metadata = entry.Metadata?.DeepClone().AsObject();
            return Task.FromResult(copy);
        }
    }

    /// <inheritdoc />
    public Task DeleteAttachmentAsync(string attachmentId, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_attachments.TryGetValue(attachmentId, out var entry) || entry.UserId != context.UserId)
                throw ChatKitNotFoundException.Attachment(attachmentId);
            _attachments.Remove(attachmentId);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SaveFeedbackAsync(string threadId, IReadOnlyList<string> itemIds, FeedbackKind kind, ChatKitContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var record = Find(threadId, context);
            foreach (var id in itemIds)
            {
                if (record.Items.All(p => p.Item.Id != id)) throw ChatKitNotFoundException.Item(threadId, id);
                record.Feedback[id] = kind;
            }
        }
        return Task.CompletedTask;
    }

    private ThreadRecord Find(string threadId, ChatKitContext context) =>
        _threads.FirstOrDefault(t => t.Thread.Id == threadId && t.UserId == context.UserId) ?? throw ChatKitNotFoundException.Thread(threadId);

    private static ThreadMetadata CopyMetadata(ThreadMetadata t) => new()
    {
        Id = t.Id,
        Title = t.Title,
        CreatedAt = t.CreatedAt,
        Status = ChatKitStorageJson.Clone(t.Status),
        AllowedImageDomains = t.AllowedImageDomains?.ToList(),
        Metadata = t.Metadata.DeepClone().AsObject(),
    };

    private static Page<T> Paginate<T>(IReadOnlyList<T> rows, Func<T, string> id, int limit, string? after, SortOrder order, string what)
    {
        IEnumerable<T> ordered = order == SortOrder.Asc ? rows : rows.Reverse();
        var list = ordered.ToList();
        var start = 0;
        if (after is not null)
        {
            var index = list.FindIndex(r => id(r) == after);
            if (index < 0) throw new ChatKitValidationException($"The 'after' cursor '{after}' does not name a {what} of this list.");
            start = index + 1;
        }
        var page = list.Skip(start).Take(limit).Select(ChatKitStorageJson.Clone).ToList();
        var hasMore = start + page.Count < list.Count;
        return new Page<T>
        {
            Data = page,
            HasMore = hasMore,
            // Like the reference: the cursor is given only when there is a next page to ask for.
            After = hasMore ? id(page[^1]) : null,
        };
    }
}
