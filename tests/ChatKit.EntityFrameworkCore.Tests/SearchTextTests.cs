using ChatKit.Widgets;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>What a text search of threads looks in (<see cref="ChatKitSearchText"/>, decision 0022): what a person reads, folded.</summary>
public class SearchTextTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    [Test]
    public void A_user_message_is_its_text_tags_quote_and_attachment_names_lower_case_without_any_JSON()
    {
        var item = new UserMessageItem
        {
            Id = "msg_1", ThreadId = "thr_1", CreatedAt = At,
            Content = [new UserMessageTextContent { Text = "Crème BRÛLÉE for " }, new UserMessageTagContent { Id = "t", Text = "Ærøskøbing" }],
            QuotedText = "ΣΟΦΊΑ said",
            Attachments = [new FileAttachment { Id = "atc_1", Name = "Rapport-ÉTÉ.PDF", MimeType = "application/pdf" }],
        };

        ChatKitSearchText.Of(item).Should().Be("crème brûlée for @ærøskøbing\nσοφία said\nrapport-été.pdf");
    }

    [Test]
    public void An_assistant_message_is_its_text_and_a_widget_its_copy_text_and_text_components()
    {
        var answer = new AssistantMessageItem { Id = "msg_2", ThreadId = "thr_1", CreatedAt = At, Content = [new AssistantMessageContent { Text = "Hello " }, new AssistantMessageContent { Text = "WORLD" }] };
        var widget = new WidgetItem
        {
            Id = "wdg_1", ThreadId = "thr_1", CreatedAt = At, CopyText = "Copied REPORT",
            Widget = new Card { Children = [new Title { Value = "Quarterly ÜBERSICHT" }, new Row { Children = [new Text { Value = "Deep text" }] }] },
        };

        ChatKitSearchText.Of(answer).Should().Be("hello world");
        ChatKitSearchText.Of(widget).Should().Be("copied report\nquarterly übersicht\ndeep text");
    }

    [Test]
    public void Hidden_items_and_tool_calls_have_no_search_text()
    {
        ChatKitSearchText.Of(new HiddenContextItem { Id = "h", ThreadId = "thr_1", CreatedAt = At, Content = "secret words" }).Should().BeEmpty();
        ChatKitSearchText.Of(new SdkHiddenContextItem { Id = "s", ThreadId = "thr_1", CreatedAt = At, Content = "cancelled" }).Should().BeEmpty();
        ChatKitSearchText.Of(new ClientToolCallItem { Id = "c", ThreadId = "thr_1", CreatedAt = At, CallId = "call", Name = "get_text" }).Should().BeEmpty();
    }

    [TestCase("E\u0301TE\u0301", "été")] // decomposed accents compose
    [TestCase("ÉTÉ", "été")]
    [TestCase("ΩMEGA Жук", "ωmega жук")]
    [TestCase("NUL\0 GOES", "nul goes")] // PostgreSQL takes no NUL in a text value
    public void Text_is_folded_to_composed_lower_case(string text, string folded) => ChatKitSearchText.Fold(text).Should().Be(folded);

    [Test]
    public void Lone_surrogates_become_the_replacement_character_as_in_the_stored_JSON_and_pairs_stay()
    {
        // Not in TestCase attributes: their strings are stored as UTF-8, where a lone surrogate does not survive.
        ChatKitSearchText.Fold("lone \uD800 SURROGATE \uDE00 E\u0301\uD83D").Should().Be("lone \uFFFD surrogate \uFFFD é\uFFFD");
        ChatKitSearchText.Fold("\uDE00\uD83D").Should().Be("\uFFFD\uFFFD");
        ChatKitSearchText.Fold("PAIR \uD83D\uDE00 É").Should().Be("pair \uD83D\uDE00 é");
    }

    [Test]
    public void Folding_lowers_every_character_as_the_invariant_culture_does()
    {
        // Fold lowers Latin-1 itself and hands only other runs to ICU: it must agree with ToLowerInvariant everywhere.
        var all = new string([.. Enumerable.Range(1, 0xD7FF).Select(c => (char)c)]);
        ChatKitSearchText.Fold(all).Normalize(System.Text.NormalizationForm.FormD)
            .Should().Be(all.ToLowerInvariant().Normalize(System.Text.NormalizationForm.FormD));
        foreach (var text in new[] { "Mixed ÀÉÎ×Þ ŸĀ Ωmega ABC", "ÉTÉ ΣΟΦΊΑ Жук 😀 ẞ", "x\u00C0\u0100y\u00FF\u0178" })
            ChatKitSearchText.Fold(text).Should().Be(text.ToLowerInvariant().Normalize(System.Text.NormalizationForm.FormC), text);
    }

    [TestCase("50%_off", "%50\\%\\_off%")]
    [TestCase("[A-Z]", "%\\[a-z]%")]
    [TestCase("C:\\Temp", "%c:\\\\temp%")]
    public void A_query_becomes_a_pattern_that_finds_it_literally(string query, string pattern) =>
        ChatKitSearchText.ContainsPattern(query).Should().Be(pattern);
}
