using System.Text;

namespace ChatKit.Benchmarks;

/// <summary>Fixed, realistic payloads shared by the benchmarks (ids have the real shape: prefix + 24 hex digits).</summary>
internal static class SampleData
{
    public const string ThreadId = "thr_5f0c6a1e9b2d4c7f8a3e1b60";
    public const string ItemId = "msg_9c2e4b7a1d3f5e8c0b6a2d41";
    public const string PreviousItemId = "msg_1a2b3c4d5e6f708192a3b4c5";
    public static readonly DateTimeOffset CreatedAt = new(2026, 11, 23, 9, 30, 15, 123, TimeSpan.Zero);

    /// <summary>A typical model token: a few characters.</summary>
    public const string Delta = " weather";

    /// <summary>English prose of exactly <paramref name="length"/> characters (with the apostrophes and punctuation real answers have).</summary>
    public static string Prose(int length) => Repeat(
        "Paris is mild today: around 14 degrees, light wind from the west and a chance of rain after four o'clock. " +
        "If you're walking along the Seine, take an umbrella; the museums don't get crowded until the afternoon. ", length);

    /// <summary>French prose of exactly <paramref name="length"/> characters (accents: non-ASCII UTF-8).</summary>
    public static string FrenchProse(int length) => Repeat(
        "À Paris, il fait doux aujourd'hui : environ 14 degrés, un léger vent d'ouest et des averses prévues après seize heures. " +
        "Si vous vous promenez le long de la Seine, prenez un parapluie ; les musées sont calmes jusqu'à l'après-midi. ", length);

    private static string Repeat(string text, int length)
    {
        var sb = new StringBuilder(length + text.Length);
        while (sb.Length < length) sb.Append(text);
        return sb.ToString(0, length);
    }
}
