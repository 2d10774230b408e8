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

    /// <summary>A stream's shared replay list (as Redis keeps it), whose reads a test can hold back.</summary>
    private sealed class SharedList
    {
        private readonly List<WidgetStreamMessage> _kept = [];
        public TaskCompletionSource? Gate;
        public int Reads;

        public WidgetStreamMessage Publish(long id)
        {
            var message = new WidgetStreamMessage(id, "{}");
            lock (_kept) _kept.Add(message);
            return message;
        }

        public async Task<IReadOnlyList<WidgetStreamMessage>> ReadAsync(string streamId, CancellationToken ct)
        {
            Interlocked.Increment(ref Reads);
            if (Gate is { } gate) await gate.Task.WaitAsync(ct);
            lock (_kept) return [.. _kept];
        }
    }

    [Test]
    public async Task Through_a_shared_list_a_subscriber_gets_widgets_it_missed_once_in_order_before_later_ones()
    {
        var shared = new SharedList();
        using var streams = new LocalWidgetStreams(100, 1000, TimeSpan.FromHours(1), _time, keepIdleStreams: false, shared.ReadAsync);
        shared.Publish(10);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var subscriber = streams.SubscribeAsync("jobs", null, (ct) => shared.ReadAsync("jobs", ct), cts.Token).GetAsyncEnumerator(cts.Token);
        var next = subscriber.MoveNextAsync(); // registers and reads the list: starts after 10
        async Task<List<long>> TakeAsync(int count)
        {
            var ids = new List<long>();
            while (ids.Count < count)
            {
                (await next).Should().BeTrue();
                ids.Add(subscriber.Current.Id);
                next = subscriber.MoveNextAsync();
            }
            return ids;
        }
        await Task.Delay(100);

        streams.Deliver("jobs", shared.Publish(11));
        (await TakeAsync(1)).Should().Equal(11);

        // 12 and 13 never came through pub/sub (this process was not listening): 14 makes the stream read the list first.
        shared.Publish(12);
        shared.Publish(13);
        streams.Deliver("jobs", shared.Publish(14));
        (await TakeAsync(3)).Should().Equal(12, 13, 14);

        // While the list is being read, what comes in live waits behind what the read brings.
        shared.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        shared.Publish(15);
        shared.Publish(16);
        streams.Deliver("jobs", shared.Publish(17));
        await Task.Delay(100);
        streams.Deliver("jobs", shared.Publish(18));
        streams.Deliver("jobs", new WidgetStreamMessage(17, "{}")); // a duplicate
        next.IsCompleted.Should().BeFalse("nothing goes out before the missed widgets");
        shared.Gate.SetResult();
        shared.Gate = null;
        (await TakeAsync(4)).Should().Equal(15, 16, 17, 18);

        // Listening again after an outage: nothing comes live, the list has what was published meanwhile.
        shared.Publish(19);
        shared.Publish(20);
        streams.CatchUpAll().Should().Be(1);
        (await TakeAsync(2)).Should().Equal(19, 20);

        // Redis restarted empty: ids jump ahead (from its clock) and go on from there.
        var jumped = shared.Publish(1_000_000);
        streams.Deliver("jobs", jumped);
        streams.Deliver("jobs", shared.Publish(1_000_001));
        (await TakeAsync(2)).Should().Equal(1_000_000, 1_000_001);
        await Task.Delay(200);
        next.IsCompleted.Should().BeFalse("no widget twice");

        await cts.CancelAsync();
        try { await next; } catch (OperationCanceledException) { }
        await subscriber.DisposeAsync();
    }
}
