using ChatKitServer.WidgetStreams;
using Microsoft.Extensions.Time.Testing;

namespace ChatKitServer.Tests;

/// <summary>The in-process widget streams stay bounded: idle streams are dropped after the expiry, the longest idle first beyond the bound, never one with a subscriber.</summary>
public class LocalWidgetStreamsTests
{
    private readonly FakeTimeProvider _time = new();

    private static async Task<List<long>> TakeAsync(IAsyncEnumerable<WidgetStreamMessage> messages, int count)
    {
        var ids = new List<long>();
        await foreach (var m in messages)
        {
            ids.Add(m.Id);
            if (ids.Count == count) break;
        }
        return ids;
    }

    [Test]
    public void Streams_without_subscribers_are_dropped_after_the_idle_expiry()
    {
        using var streams = new LocalWidgetStreams(10, 1000, TimeSpan.FromMinutes(10), _time);
        for (var i = 0; i < 100; i++) streams.Publish("s" + i, "{}");
        streams.Count.Should().Be(100);

        _time.Advance(TimeSpan.FromMinutes(9));
        streams.Publish("s0", "{}"); // news keeps a stream
        _time.Advance(TimeSpan.FromMinutes(2)); // the sweep runs on its own timer

        streams.Count.Should().Be(1);
    }

    [Test]
    public async Task A_stream_with_a_subscriber_is_never_dropped_and_ids_keep_growing_after_a_drop()
    {
        using var streams = new LocalWidgetStreams(10, 1000, TimeSpan.FromMinutes(10), _time);
        var first = streams.Publish("watched", "{}");
        using var cts = new CancellationTokenSource();
        var subscriber = streams.SubscribeAsync("watched", null, null, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = subscriber.MoveNextAsync(); // registers the subscriber
        streams.Publish("idle", "{}");

        _time.Advance(TimeSpan.FromHours(1));
        streams.DropIdle();
        streams.Count.Should().Be(1, "the watched stream stays, the idle one is gone");

        var later = streams.Publish("idle", "{}");
        later.Should().BeGreaterThan(first + 1, "a dropped stream's reconnecting clients never see an id again");
        streams.Publish("watched", "{}");
        (await next.AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        await cts.CancelAsync();
        await subscriber.DisposeAsync();
    }

    [Test]
    public void Beyond_the_bound_the_longest_idle_streams_go_first()
    {
        using var streams = new LocalWidgetStreams(10, 100, TimeSpan.FromHours(1), _time);
        for (var i = 0; i < 100; i++)
        {
            streams.Publish("s" + i, "{}");
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        streams.Publish("s0", "{}"); // s0 is fresh again

        streams.Publish("one-more", "{}");

        streams.Count.Should().BeLessThanOrEqualTo(100);
        var kept = Enumerable.Range(0, 100).Where(i => streams.Holds("s" + i)).ToList();
        kept.Should().Contain(0).And.Contain(99).And.NotContain(1, "s1 was the longest idle");
        streams.Holds("one-more").Should().BeTrue();
    }

    [Test]
    public async Task A_reconnecting_subscriber_gets_the_kept_widgets_after_its_last_id()
    {
        using var streams = new LocalWidgetStreams(3, 1000, TimeSpan.FromHours(1), _time);
        var ids = Enumerable.Range(0, 5).Select(_ => streams.Publish("jobs", "{}")).ToList();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        (await TakeAsync(streams.SubscribeAsync("jobs", ids[2], null, cts.Token), 2)).Should().Equal(ids[3], ids[4]);
        (await TakeAsync(streams.SubscribeAsync("jobs", 0, null, cts.Token), 3)).Should().Equal(ids[2], ids[3], ids[4]);
    }

    [Test]
    public void Ids_after_a_restart_are_above_every_id_of_the_run_before()
    {
        long last;
        using (var before = new LocalWidgetStreams(10, 1000, TimeSpan.FromHours(1), _time))
            last = Enumerable.Range(0, 1000).Select(_ => before.Publish("jobs", "{}")).Last();

        _time.Advance(TimeSpan.FromSeconds(1));
        using var after = new LocalWidgetStreams(10, 1000, TimeSpan.FromHours(1), _time);

        after.Publish("jobs", "{}").Should().BeGreaterThan(last);
    }
}
