using System.Collections.Concurrent;
using System.Globalization;

namespace ChatKit.Tests.Engine;

public class ChatKitIdsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 13, 45, 0, 123, TimeSpan.Zero);

    [Test]
    public void An_id_is_the_prefix_an_underscore_and_24_lowercase_hex_digits()
    {
        ChatKitIds.Thread().Should().MatchRegex("^thr_[0-9a-f]{24}$");
        ChatKitIds.Message().Should().MatchRegex("^msg_[0-9a-f]{24}$");
        ChatKitIds.New("mem").Should().MatchRegex("^mem_[0-9a-f]{24}$");
    }

    [Test]
    public void Its_first_12_digits_are_the_milliseconds_of_its_creation_time()
    {
        var id = ChatKitIds.New("thr", At);

        long.Parse(id[4..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture).Should().Be(At.ToUnixTimeMilliseconds());
    }

    [Test]
    public void Ids_made_later_sort_after_ids_made_earlier()
    {
        var times = new[] { At, At.AddMilliseconds(1), At.AddSeconds(1), At.AddDays(1), At.AddYears(30) };

        var ids = times.Select(t => ChatKitIds.New("msg", t)).ToList();

        ids.Should().BeInAscendingOrder(StringComparer.Ordinal);
    }

    [Test]
    public void Ids_made_in_the_same_millisecond_differ_in_their_random_digits()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => ChatKitIds.New("msg", At)).ToList();

        ids.Should().OnlyHaveUniqueItems();
        ids.Select(id => id[16..]).Should().OnlyHaveUniqueItems("the last 12 digits are random");
        ids.Select(id => id[16..]).Should().Contain(r => r != "000000000000");
    }

    [Test]
    public void Ids_made_on_many_threads_at_once_are_all_different()
    {
        var ids = new ConcurrentBag<string>();

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 5_000; i++) ids.Add(ChatKitIds.New("thr", At));
        });

        ids.Should().HaveCount(40_000).And.OnlyHaveUniqueItems();
    }

    [Test]
    public void A_time_before_1970_is_made_as_1970()
    {
        ChatKitIds.New("thr", DateTimeOffset.UnixEpoch.AddDays(-1))[4..16].Should().Be("000000000000");
    }
}
