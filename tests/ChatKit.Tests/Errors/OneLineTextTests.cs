namespace ChatKit.Tests.Errors;

public class OneLineTextTests
{
    [Test]
    public void Text_without_control_characters_within_the_length_is_returned_as_it_is()
    {
        const string id = "thr_0123abcd é 漢字 🙂";
        OneLineText.Of(id).Should().BeSameAs(id);
        OneLineText.Of(id, id.Length).Should().BeSameAs(id);
        OneLineText.NeedsEscaping(id).Should().BeFalse();
    }

    [TestCase("a\nb", @"a\nb")]
    [TestCase("a\r\nb", @"a\r\nb")]
    [TestCase("a\tb", @"a\tb")]
    [TestCase("a\0b", @"a\u0000b")]
    [TestCase("\u001B[31mred", @"\u001B[31mred")]
    [TestCase("a\u0085b\u2028c\u2029d\u007F", @"a\u0085b\u2028c\u2029d\u007F")]
    public void Control_characters_and_line_separators_are_escaped(string text, string shown)
    {
        OneLineText.NeedsEscaping(text).Should().BeTrue();
        OneLineText.Of(text).Should().Be(shown);
    }

    [Test]
    public void A_longer_value_is_cut_and_says_how_long_it_was()
    {
        OneLineText.Of(new string('x', 250), 100).Should().Be(new string('x', 100) + "… (250 characters)");
        OneLineText.Of("ab\ncd", 3).Should().Be(@"ab\n… (5 characters)");
    }

    [Test]
    public void A_cut_does_not_split_a_surrogate_pair()
    {
        OneLineText.Of("ab🙂cd", 3).Should().Be("ab… (6 characters)");
    }

    [Test]
    public void Not_found_messages_show_ids_on_one_line_and_cut()
    {
        ChatKitNotFoundException.Thread("thr_1\nX").Message.Should().Be(@"Thread 'thr_1\nX' was not found.");
        ChatKitNotFoundException.Item("thr_1", new string('m', 150)).Message.Should()
            .Be($"Item '{new string('m', 100)}… (150 characters)' was not found in thread 'thr_1'.");
    }
}
