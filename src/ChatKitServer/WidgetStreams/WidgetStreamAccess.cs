using ChatKit;

namespace ChatKitServer.WidgetStreams;

/// <summary>
/// Who may subscribe to a widget stream, read from its name:
/// <list type="bullet">
/// <item><c>public</c> or <c>public.*</c>: any authenticated user;</item>
/// <item><c>user-{userId}</c> or <c>user-{userId}.*</c>: only that user (the id ends at the first <c>.</c>);</item>
/// <item><c>thread-{threadId}</c> or <c>thread-{threadId}.*</c>: only the owner of that thread (asked of the store);</item>
/// <item>any other name: only admins.</item>
/// </list>
/// Admins may read every stream. Publishing is a separate right (admins and the publisher role, any name).
/// Anyone else is told the stream does not exist (404), and gets nothing of it.
/// </summary>
public sealed class WidgetStreamAccess(IChatKitStore store)
{
    public const string PublicName = "public";
    public const string UserPrefix = "user-";
    public const string ThreadPrefix = "thread-";

    public async Task<bool> MayReadAsync(string streamId, ChatKitContext caller, CancellationToken cancellationToken)
    {
        if (caller.IsAdmin) return true;
        if (streamId == PublicName || streamId.StartsWith(PublicName + ".", StringComparison.Ordinal)) return true;
        if (Owner(streamId, UserPrefix) is { } user) return string.Equals(user, caller.UserId, StringComparison.Ordinal);
        if (Owner(streamId, ThreadPrefix) is not { } thread) return false;
        try
        {
            await store.LoadThreadAsync(thread, caller, cancellationToken); // scoped by the caller: another user's thread is not found
            return true;
        }
        catch (ChatKitNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The stream of <paramref name="userId"/> (<c>user-{userId}</c>, or <c>user-{userId}.{name}</c>); refuses ids a stream name cannot hold.</summary>
    public static string ForUser(string userId, string? name = null) => Named(UserPrefix, userId, name);

    /// <summary>The stream of a thread's owner (<c>thread-{threadId}</c>, or <c>thread-{threadId}.{name}</c>).</summary>
    public static string ForThread(string threadId, string? name = null) => Named(ThreadPrefix, threadId, name);

    private static string Named(string prefix, string owner, string? name)
    {
        if (owner.Length == 0 || owner.Contains('.'))
            throw new ArgumentException($"'{owner}' cannot name a widget stream: it is empty or holds a '.'.", nameof(owner));
        return WidgetStreamIds.Check(prefix + owner + (string.IsNullOrEmpty(name) ? "" : "." + name));
    }

    /// <summary><c>user-alice.jobs</c> → <c>alice</c>; null when the name has another prefix or no owner.</summary>
    private static string? Owner(string streamId, string prefix)
    {
        if (!streamId.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = streamId.AsSpan(prefix.Length);
        var dot = rest.IndexOf('.');
        var owner = dot < 0 ? rest : rest[..dot];
        return owner.IsEmpty ? null : owner.ToString();
    }
}
