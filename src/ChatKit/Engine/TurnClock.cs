namespace ChatKit;

/// <summary>
/// The <c>created_at</c> of a turn's own items (the user's message, the cancelled note, the start that
/// <see cref="FirstAppearanceOrder"/> keeps the responder's items after): this process's clock, but never at or before
/// the thread's newest stored item. Stores order a thread by <c>created_at</c>; instances behind one address take turns
/// on a thread, and one whose clock is behind another's would otherwise write its turn before the turn that came first.
/// </summary>
internal sealed class TurnClock(TimeProvider time, DateTimeOffset newest)
{
    private DateTimeOffset _last = newest;

    public DateTimeOffset Now()
    {
        var now = ChatKitClock.Now(time);
        _last = now > _last ? now : _last.AddTicks(TimeSpan.TicksPerMillisecond / 1000);
        return _last;
    }
}
