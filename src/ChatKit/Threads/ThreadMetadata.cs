using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>A thread without its items: what the store keeps and what responders may change.</summary>
public class ThreadMetadata
{
    /// <summary>The thread id (<c>thr_…</c>).</summary>
    public required string Id { get; set; }

    /// <summary>The title, or null when none has been set.</summary>
    public string? Title { get; set; }

    /// <summary>When the thread was created.</summary>
    public required DateTimeOffset CreatedAt { get; set; }

    /// <summary>Active, locked or closed.</summary>
    public ThreadStatus Status { get; set; } = new ActiveStatus();

    /// <summary>Image domains the client may load generated images from.</summary>
    public List<string>? AllowedImageDomains { get; set; }

    /// <summary>Integration metadata; keys are kept exactly as given. Not sent to clients by the engine.</summary>
    public JsonObject Metadata { get; set; } = [];
}

/// <summary>A thread with a page of its items, as sent to clients (<c>Thread</c> on the wire).</summary>
public sealed class ChatKitThread : ThreadMetadata
{
    /// <summary>A page of the thread's items (empty in lists and in <c>thread.created</c>).</summary>
    public Page<ThreadItem> Items { get; set; } = new();

    /// <summary>The client view of a thread: hidden items and metadata left out.</summary>
    public static ChatKitThread ForClient(ThreadMetadata thread, Page<ThreadItem>? items = null) => WithClientFields(new ChatKitThread
    {
        Id = thread.Id,
        CreatedAt = thread.CreatedAt,
        Items = items is null
            ? new Page<ThreadItem>()
            : new Page<ThreadItem> { Data = items.Data.Where(i => !i.IsHidden).ToList(), HasMore = items.HasMore, After = items.After },
    }, thread);

    /// <summary>The members <see cref="ForClient"/> sends besides the items (<c>WirePages</c> writes the items with them).</summary>
    internal static ThreadMetadata ClientFields(ThreadMetadata thread) =>
        WithClientFields(new ThreadMetadata { Id = thread.Id, CreatedAt = thread.CreatedAt }, thread);

    private static T WithClientFields<T>(T view, ThreadMetadata thread) where T : ThreadMetadata
    {
        view.Title = thread.Title;
        view.Status = thread.Status;
        view.AllowedImageDomains = thread.AllowedImageDomains;
        return view;
    }
}
