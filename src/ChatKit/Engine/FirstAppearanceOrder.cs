namespace ChatKit;

/// <summary>
/// Keeps a stream's <c>created_at</c> values in the order in which the client first sees the items,
/// because stores order a thread by <c>created_at</c> (then arrival) and a reload must show what the
/// stream showed. An item that first appears with a time earlier than an item announced before it
/// (a responder that built it early and sent it late) is moved to just after that item, and every
/// later event of the same item carries the same time. Nothing a stream shows can come before the
/// turn began (<paramref name="turnStart"/>): an item whose time is older than that (a responder's
/// clock behind, a time copied from an upstream API in whole seconds) would otherwise be shown on
/// reload before the user's message or before earlier turns.
/// </summary>
internal sealed class FirstAppearanceOrder(DateTimeOffset turnStart)
{
    private readonly Dictionary<string, DateTimeOffset> _times = new(StringComparer.Ordinal);
    private DateTimeOffset _last = turnStart;

    public void Apply(ThreadStreamEvent ev)
    {
        var item = ev switch
        {
            ThreadItemAddedEvent e => e.Item,
            ThreadItemDoneEvent e => e.Item,
            ThreadItemReplacedEvent e => e.Item,
            _ => null,
        };
        if (item is null) return;
        if (_times.TryGetValue(item.Id, out var at))
        {
            item.CreatedAt = at;
            return;
        }
        if (ev is ThreadItemReplacedEvent) return; // a stored item keeps its own place
        if (item.CreatedAt <= _last)
            item.CreatedAt = _last.AddTicks(TimeSpan.TicksPerMillisecond / 1000);
        _last = item.CreatedAt;
        _times[item.Id] = item.CreatedAt;
    }
}
