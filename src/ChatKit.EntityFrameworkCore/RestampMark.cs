using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Where the pass that stamps stored JSON again (<see cref="EfChatKitStore.RestampStoredJsonAsync"/>) has got to, and for which
/// build: the last item and thread <c>Sequence</c> it has looked at. Kept as one row of <c>chatkit_store_state</c>, its value
/// <c>"{build} {items} {threads}"</c>; a mark of another build (or none, or one that does not read) starts from the first row.
/// </summary>
internal readonly record struct RestampMark(long Build, long Items, long Threads)
{
    /// <summary>The row's key in <c>chatkit_store_state</c>.</summary>
    public const string Key = "stored_json_restamp";

    /// <summary>This build's mark before any row.</summary>
    public static RestampMark Start => new(WireStamps.BuildId, 0, 0);

    /// <summary>The saved mark if this build saved it, else <see cref="Start"/>.</summary>
    public static async Task<RestampMark> LoadAsync(ChatKitDbContext db, CancellationToken cancellationToken)
    {
        var value = await StoreStateRow.LoadAsync(db, Key, cancellationToken);
        return Parse(value) is { } mark && mark.Build == WireStamps.BuildId ? mark : Start;
    }

    /// <summary>Saves the mark (inside the caller's transaction when there is one).</summary>
    public Task SaveAsync(ChatKitDbContext db, CancellationToken cancellationToken) => StoreStateRow.SaveAsync(db, Key, ToString(), cancellationToken);

    /// <summary>The value as saved.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Build} {Items} {Threads}");

    /// <summary>A saved value read back, or null when it does not read as one.</summary>
    public static RestampMark? Parse(string? value)
    {
        return StoreStateRow.TryParseMark(value, out var build, out var items, out var threads) ? new RestampMark(build, items, threads) : null;
    }
}
