using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using ChatKit.Json;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The mark that lets a stored item's JSON go to a client as it is (<see cref="Records.ItemRecord.WireStamp"/>,
/// docs/decisions/0020-items-sent-as-stored.md). An item's wire form is fixed by the build that serializes it: ChatKit's
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

    /// <summary>The stamp for an item saved as <paramref name="storedJson"/>, or null when its stored form is not its wire form.</summary>
    public static long? For(ThreadItem item, string storedJson) => ChatKitStorageJson.IsWireForm(item) ? Of(storedJson) : null;

    /// <summary>Whether <paramref name="stamp"/> is this build's stamp of <paramref name="storedJson"/>.</summary>
    public static bool Vouches(long? stamp, string storedJson) => stamp is { } s && s == Of(storedJson);

    /// <summary>
    /// The stamp of a thread row holding <paramref name="wireJson"/> (<see cref="Records.ThreadRecord.WireJson"/>) written from the
    /// other values given, each as the row holds it: hashed one after another, each hash the seed of the next, a null apart
    /// from every string (a lone byte, which no UTF-16 string is). The creation time counts as its UTC microsecond (what the
    /// wire form shows, and what every provider keeps) and its offset.
    /// </summary>
    public static long OfThread(string id, string? title, DateTimeOffset createdAt, string status, string? domains, string wireJson)
    {
        Span<long> time = [createdAt.UtcTicks / 10, createdAt.Offset.Ticks];
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(time), Build);
        foreach (var part in (ReadOnlySpan<string?>)[id, title, status, domains, wireJson])
            hash = part is null ? XxHash3.HashToUInt64([0xFF], (long)hash) : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(part.AsSpan()), (long)hash);
        return (long)hash;
    }

    /// <summary>Whether the thread row's stamp vouches for its <see cref="Records.ThreadRecord.WireJson"/> (<see cref="OfThread"/>).</summary>
    public static bool Vouches(Records.ThreadRecord row) =>
        row is { WireStamp: { } stamp, WireJson: { } json } &&
        stamp == OfThread(row.Id, row.Title, row.CreatedAt, row.StatusJson, row.AllowedImageDomainsJson, json);

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
