namespace ChatKit.EntityFrameworkCore.Records;

// The tables. Wire objects are kept whole as JSON (the protocol evolves; the JSON is the truth)
// next to the columns that queries need: owner, thread, order and time.

/// <summary>A thread row.</summary>
public sealed class ThreadRecord
{
    /// <summary>Database-generated; the stable order of threads.</summary>
    public long Sequence { get; set; }
    /// <summary>The thread id (<c>thr_…</c>).</summary>
    public required string Id { get; set; }
    /// <summary>The owner.</summary>
    public required string UserId { get; set; }
    /// <summary>The title.</summary>
    public string? Title { get; set; }
    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Last change of title, status or metadata.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The status as wire JSON (<c>{"type":"locked","reason":…}</c>).</summary>
    public required string StatusJson { get; set; }
    /// <summary>Integration metadata as JSON.</summary>
    public required string MetadataJson { get; set; }
    /// <summary>Allowed image domains as JSON, when set.</summary>
    public string? AllowedImageDomainsJson { get; set; }
    /// <summary>
    /// What a client is sent of the thread besides its items (<see cref="WireThread.ClientJsonOf"/>), as the build that saved it
    /// wrote it from the values it saved; sent as it is only when <see cref="WireStamp"/> vouches for it.
    /// </summary>
    public string? WireJson { get; set; }
    /// <summary>
    /// A hash of the build that wrote <see cref="WireJson"/>, of the thread's id, creation time and <see cref="UpdatedAt"/> as
    /// written with it, and of <see cref="WireJson"/> itself (<see cref="WireStamps"/>). A row whose stamp matches this build's
    /// hash of what it holds now is listed with its <see cref="WireJson"/>; null, a stamp of another build, or a row written
    /// since by a writer that leaves these two columns alone (an older instance; it sets <see cref="UpdatedAt"/>), and the
    /// thread is read from its columns as before. A row changed by hand must have its stamp cleared (or UpdatedAt set).
    /// </summary>
    public long? WireStamp { get; set; }
    /// <summary>
    /// The title as a text search finds it (<see cref="ChatKitSearchText.OfTitle"/>: folded to lower case), written with the title.
    /// Null on rows from before the column until the store fills it (<see cref="EfChatKitStore.FillSearchTextAsync"/>).
    /// </summary>
    public string? SearchText { get; set; }
}

/// <summary>A thread item row.</summary>
public sealed class ItemRecord
{
    /// <summary>Database-generated; the stable order of a thread's items, safe under concurrent appends.</summary>
    public long Sequence { get; set; }
    /// <summary>The item id.</summary>
    public required string Id { get; set; }
    /// <summary>The thread.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The owner (the thread's).</summary>
    public required string UserId { get; set; }
    /// <summary>The item's <c>type</c>.</summary>
    public required string Type { get; set; }
    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The whole item as wire JSON.</summary>
    public required string Json { get; set; }
    /// <summary>
    /// Set when <see cref="Json"/> is its item's wire form as written by the build that wrote it: a hash of that build and
    /// the JSON (<see cref="WireStamps"/>). A row whose stamp matches this build's hash of its JSON is sent to clients as it
    /// is; null, or a stamp of another build or of other JSON, and it is read and written again.
    /// </summary>
    public long? WireStamp { get; set; }
    /// <summary>
    /// The item's text as a text search finds it (<see cref="ChatKitSearchText.Of"/>: what a person reads of it, never its JSON,
    /// folded to lower case), written with the JSON in the same statement. Null on rows from before the column until the store
    /// fills it (<see cref="EfChatKitStore.FillSearchTextAsync"/>).
    /// </summary>
    public string? SearchText { get; set; }
}

/// <summary>An attachment row.</summary>
public sealed class AttachmentRecord
{
    /// <summary>The attachment id (<c>atc_…</c>).</summary>
    public required string Id { get; set; }
    /// <summary>The owner.</summary>
    public required string UserId { get; set; }
    /// <summary>The thread whose message uses it, once used.</summary>
    public string? ThreadId { get; set; }
    /// <summary>Creation time (for the cleanup of unused uploads).</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The attachment as wire JSON.</summary>
    public required string Json { get; set; }
    /// <summary>Integration-only metadata (never on the wire).</summary>
    public string? MetadataJson { get; set; }
}

/// <summary>Feedback on one item (the latest kind wins).</summary>
public sealed class FeedbackRecord
{
    /// <summary>Row key.</summary>
    public long Sequence { get; set; }
    /// <summary>The thread.</summary>
    public required string ThreadId { get; set; }
    /// <summary>The item.</summary>
    public required string ItemId { get; set; }
    /// <summary>Who gave it.</summary>
    public required string UserId { get; set; }
    /// <summary><c>positive</c> or <c>negative</c>.</summary>
    public required string Kind { get; set; }
    /// <summary>When.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A fact the assistant remembers for a user (the <c>remember</c> and <c>recall</c> tools).</summary>
public sealed class MemoryRecord
{
    /// <summary>Database-generated; newest memories have the highest.</summary>
    public long Sequence { get; set; }
    /// <summary>The memory id.</summary>
    public required string Id { get; set; }
    /// <summary>The owner.</summary>
    public required string UserId { get; set; }
    /// <summary>The fact.</summary>
    public required string Text { get; set; }
    /// <summary>When it was saved.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A value the store keeps about its own upkeep, by name: where the pass that stamps stored JSON again stopped, and for which
/// build (<see cref="EfChatKitStore.RestampStoredJsonAsync"/>). Not user data.
/// </summary>
public sealed class StoreStateRecord
{
    /// <summary>The name of the value.</summary>
    public required string Key { get; set; }
    /// <summary>The value, in a form its owner reads; empty when nothing is recorded yet.</summary>
    public required string Value { get; set; }
}
