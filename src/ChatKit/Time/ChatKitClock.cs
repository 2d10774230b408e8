namespace ChatKit;

/// <summary>
/// The one clock of ChatKit times: UTC, truncated to whole microseconds like the reference
/// implementation, so a time reads back from every store exactly as it was first sent.
/// Item builders, the engine and the server all take their <c>created_at</c> from here.
/// </summary>
public static class ChatKitClock
{
    /// <summary>Now, in UTC, to the microsecond, from <paramref name="time"/> (the system clock when null).</summary>
    public static DateTimeOffset Now(TimeProvider? time = null) => ToMicroseconds((time ?? TimeProvider.System).GetUtcNow());

    /// <summary>The same instant in UTC, without the digits below a microsecond.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TicksPerMicrosecond, TimeSpan.Zero);
    }

    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;
}
