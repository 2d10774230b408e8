using System.Security.Cryptography;

namespace ChatKit;

/// <summary>
/// Id prefixes of the protocol and a generator of ids: prefix, underscore, 24 hex digits. The first 12 digits are the
/// creation time (milliseconds since 1970, UTC), the last 12 are random (48 bits from the operating system's
/// cryptographic generator), so ids made later sort after ids made earlier (by ordinal comparison of the same prefix)
/// and no two ids made at once collide. Time first keeps the database's id indexes append-only: a new row goes to
/// the last page of each index instead of a random one, so concurrent turns that commit together write the same few
/// pages (docs/decisions/0027-time-ordered-ids.md). An id says when it was made (as its item's <c>created_at</c>
/// does); it is not a secret and grants nothing: every read and write is scoped by the caller.
/// </summary>
public static class ChatKitIds
{
    /// <summary>Threads.</summary>
    public const string ThreadPrefix = "thr";
    /// <summary>Messages and widgets.</summary>
    public const string MessagePrefix = "msg";
    /// <summary>Client tool calls.</summary>
    public const string ToolCallPrefix = "tc";
    /// <summary>Workflows.</summary>
    public const string WorkflowPrefix = "wf";
    /// <summary>Tasks.</summary>
    public const string TaskPrefix = "tsk";
    /// <summary>Attachments.</summary>
    public const string AttachmentPrefix = "atc";
    /// <summary>SDK hidden context.</summary>
    public const string SdkHiddenContextPrefix = "shcx";

    private const int TimeBytes = 6, RandomBytes = 6;
    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_used;

    /// <summary>A new id: <paramref name="prefix"/>, <c>_</c>, 12 hex digits of the current time and 12 random ones.</summary>
    public static string New(string prefix) => New(prefix, DateTimeOffset.UtcNow);

    /// <summary>A new id made at <paramref name="at"/>: <paramref name="prefix"/>, <c>_</c>, 12 hex digits of its time and 12 random ones.</summary>
    public static string New(string prefix, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        Span<byte> bytes = stackalloc byte[TimeBytes + RandomBytes];
        var ms = (ulong)Math.Max(0, at.ToUnixTimeMilliseconds());
        for (var i = 0; i < TimeBytes; i++)
            bytes[i] = (byte)(ms >> (8 * (TimeBytes - 1 - i)));
        NextRandom(bytes[TimeBytes..]);
        return string.Concat(prefix, "_", Convert.ToHexStringLower(bytes));
    }

    /// <summary>
    /// Random bytes, each used once, from a per-thread buffer the cryptographic generator refills: one call to it per
    /// 42 ids instead of one per id (a call was ~2% of a new thread's CPU under load, bench/README.md).
    /// </summary>
    private static void NextRandom(Span<byte> into)
    {
        var buffer = t_random;
        if (buffer is null || t_used + into.Length > buffer.Length)
        {
            buffer = t_random ??= new byte[RandomBytes * 42];
            RandomNumberGenerator.Fill(buffer);
            t_used = 0;
        }
        buffer.AsSpan(t_used, into.Length).CopyTo(into);
        buffer.AsSpan(t_used, into.Length).Clear();
        t_used += into.Length;
    }

    /// <summary>A new thread id.</summary>
    public static string Thread() => New(ThreadPrefix);
    /// <summary>A new message (or widget) id.</summary>
    public static string Message() => New(MessagePrefix);
    /// <summary>A new client tool call id.</summary>
    public static string ToolCall() => New(ToolCallPrefix);
    /// <summary>A new workflow id.</summary>
    public static string Workflow() => New(WorkflowPrefix);
    /// <summary>A new task id.</summary>
    public static string Task() => New(TaskPrefix);
    /// <summary>A new attachment id.</summary>
    public static string Attachment() => New(AttachmentPrefix);
    /// <summary>A new SDK hidden context id.</summary>
    public static string SdkHiddenContext() => New(SdkHiddenContextPrefix);
}
