using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using ChatKit.Json;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The mark that lets a stored item's JSON go to a client as it is (<see cref="Records.ItemRecord.WireStamp"/>,
/// docs/decisions/0020-stored-json-sent-as-it-is.md). An item's wire form is fixed by the build that serializes it: ChatKit's
/// types and converters and System.Text.Json. A row's stamp is a 64-bit hash (XxHash3) of its JSON seeded with that build,
/// written only for items whose stored form is their wire form (<see cref="ChatKitStorageJson.IsWireForm"/>). When a page is
/// read, a row is sent as stored only if this build's hash of the JSON it holds now equals its stamp: JSON written by
/// another version (before an upgrade, or by an older instance during a rolling one), JSON changed by anything but the store
/// (an older instance's update leaves the stamp alone; an admin's hand edit) and rows from before the column existed are all
/// read into their items and written again, as every row was before.
/// </summary>
internal static class WireStamps
{
    private static readonly long Build = BuildSeed();

    /// <summary>This build's seed: every stamp it writes is made with it.</summary>
    public static long BuildId => Build;

    /// <summary>The stamp for an item saved as <paramref name="storedJson"/>, or null when its stored form is not its wire form.</summary>
    public static long? For(ThreadItem item, string storedJson) => ChatKitStorageJson.IsWireForm(item) ? Of(storedJson) : null;

    /// <summary>Whether <paramref name="stamp"/> is this build's stamp of <paramref name="storedJson"/>.</summary>
    public static bool Vouches(long? stamp, string storedJson) => stamp is { } s && s == Of(storedJson);

    /// <summary>
    /// The stamp of a thread row holding <paramref name="wireJson"/> (<see cref="Records.ThreadRecord.WireJson"/>), written with the
    /// row's other columns at <paramref name="updatedAt"/>: a hash of this build, the thread's id, its creation time, the time of
    /// the write and the JSON. Every writer of thread rows, of any version, sets <see cref="Records.ThreadRecord.UpdatedAt"/>, so
    /// a row written since by a build that does not write the JSON (an older instance during a rolling upgrade) no longer
    /// matches; the creation time is there because a save never changes it, so the JSON of a save that named another one does
    /// not match the row either. Times count as their UTC microsecond (what every provider keeps) and their offset.
    /// </summary>
    public static long OfThread(string id, DateTimeOffset createdAt, DateTimeOffset updatedAt, string wireJson)
    {
        Span<long> times = [createdAt.UtcTicks / 10, createdAt.Offset.Ticks, updatedAt.UtcTicks / 10, updatedAt.Offset.Ticks];
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(times), Build);
        hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()), (long)hash);
        return (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(wireJson.AsSpan()), (long)hash);
    }

    /// <summary>Whether a thread row's <paramref name="stamp"/> vouches for its <paramref name="wireJson"/> (<see cref="OfThread"/>).</summary>
    public static bool VouchesThread(long? stamp, string id, DateTimeOffset createdAt, DateTimeOffset updatedAt, string? wireJson) =>
        stamp is { } s && wireJson is not null && s == OfThread(id, createdAt, updatedAt, wireJson);

    private static long Of(string json) => (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(json.AsSpan()), Build);

    // The module version ids of the two assemblies that decide the wire form: they change with every build of either.
    private static long BuildSeed()
    {
        Span<byte> ids = stackalloc byte[32];
        typeof(ChatKitJson).Assembly.ManifestModule.ModuleVersionId.TryWriteBytes(ids);
        typeof(JsonSerializer).Assembly.ManifestModule.ModuleVersionId.TryWriteBytes(ids[16..]);
        return (long)XxHash3.HashToUInt64(ids);
    }
}
