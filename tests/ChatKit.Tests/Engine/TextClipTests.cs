namespace ChatKit.Tests.Engine;

/// <summary>Text is cut without leaving half a character (a lone surrogate, which UTF-8 cannot encode) at the end.</summary>
public class TextClipTests
{
    [TestCase("hello", 10, "hello")]
    [TestCase("hello", 5, "hello")]
    [TestCase("hello", 3, "hel")]
    [TestCase("hello", 0, "")]
    [TestCase("ab🎉cd", 3, "ab", TestName = "A cut between the halves of an emoji leaves the emoji out")]
    [TestCase("ab🎉cd", 4, "ab🎉")]
    [TestCase("ab🎉cd", 2, "ab")]
    [TestCase("🎉", 1, "")]
    public void Prefix_cuts_at_most_max_length_units_and_never_inside_a_surrogate_pair(string text, int max, string expected) =>
        TextClip.Prefix(text, max).Should().Be(expected);

    [Test]
    public void A_lone_surrogate_already_in_the_text_is_not_the_cut_s_business() =>
        TextClip.Prefix("ab\uD83Dc", 3).Should().Be("ab\uD83D");

    [Test]
    public void A_title_from_a_message_never_ends_in_half_an_emoji()
    {
        var title = ThreadTitles.FromMessage(new string('a', 49) + "🎉 and a party after")!;

        title.Should().Be(new string('a', 49) + "...");
        ThreadTitles.FromMessage(new string('a', 48) + "🎉 and a party after").Should().Be(new string('a', 48) + "🎉...");
    }
}
