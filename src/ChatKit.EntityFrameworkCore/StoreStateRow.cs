using System.Globalization;
using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>One row of <c>chatkit_store_state</c>: where a background pass over the rows has got to.</summary>
internal static class StoreStateRow
{
    /// <summary>The value saved under <paramref name="key"/>, or null.</summary>
    public static Task<string?> LoadAsync(ChatKitDbContext db, string key, CancellationToken cancellationToken) =>
        db.StoreState.AsNoTracking().Where(s => s.Key == key).Select(s => s.Value).FirstOrDefaultAsync(cancellationToken);

    /// <summary>A mark's value, <c>"{version} {items} {threads}"</c>, read back; false when it does not read as one.</summary>
    public static bool TryParseMark(string? value, out long version, out long items, out long threads)
    {
        version = items = threads = 0;
        var parts = value?.Split(' ');
        return parts is { Length: 3 }
            && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out version)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out items)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out threads);
    }

    /// <summary>Saves <paramref name="value"/> under <paramref name="key"/> (inside the caller's transaction when there is one).</summary>
    public static async Task SaveAsync(ChatKitDbContext db, string key, string value, CancellationToken cancellationToken)
    {
        if (await db.StoreState.Where(s => s.Key == key).ExecuteUpdateAsync(u => u.SetProperty(s => s.Value, value), cancellationToken) > 0) return;
        // The migration adds the row; only a database whose row was deleted by hand gets here.
        db.StoreState.Add(new StoreStateRecord { Key = key, Value = value });
        await db.SaveChangesAsync(cancellationToken);
    }
}
