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

        ChatKitSearchText.Of(item).Should().Be("creme brulee for @aeroskobing\nσοφια said\nrapport-ete.pdf");
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
        ChatKitSearchText.Of(widget).Should().Be("copied report\nquarterly ubersicht\ndeep text");
    }

    [Test]
    public void Hidden_items_and_tool_calls_have_no_search_text()
    {
        ChatKitSearchText.Of(new HiddenContextItem { Id = "h", ThreadId = "thr_1", CreatedAt = At, Content = "secret words" }).Should().BeEmpty();
        ChatKitSearchText.Of(new SdkHiddenContextItem { Id = "s", ThreadId = "thr_1", CreatedAt = At, Content = "cancelled" }).Should().BeEmpty();
        ChatKitSearchText.Of(new ClientToolCallItem { Id = "c", ThreadId = "thr_1", CreatedAt = At, CallId = "call", Name = "get_text" }).Should().BeEmpty();
    }

    [TestCase("E\u0301TE\u0301", "ete")] // accents typed as combining marks
    [TestCase("ÉTÉ Crème", "ete creme")] // accents dropped: an admin types "creme"
    [TestCase("ΩMEGA Жук", "ωmega жук")]
    [TestCase("NUL\0 GOES", "nul goes")] // PostgreSQL takes no NUL in a text value
    [TestCase("Straße STRASSE ẞ", "strasse strasse ss")] // full case folding: ß is ss, capital ẞ too
    [TestCase("İSTANBUL İstanbul ıstanbul", "istanbul istanbul istanbul")] // Turkish dotted capital İ (the invariant culture kept it) and dotless ı
    [TestCase("ΟΔΌΣ οδός", "οδοσ οδοσ")] // final sigma is sigma, Greek accents go
    [TestCase("ﬁle ﬀ ＡＢＣ x² ½", "file ff abc x2 1\u20442")] // compatibility forms: ligatures, full width, superscripts
    [TestCase("Łódź Øresund Œuvre Æble Đakovo", "lodz oresund oeuvre aeble dakovo")] // letters that do not decompose, typed plainly
    [TestCase("ǄEMAL ǅ", "dzemal dz")]
    [TestCase("한국어 ｶﾞ がぎ", "한국어 ガ がぎ")] // Hangul and voiced kana composed again; kana voicing is no accent
    public void Text_is_folded_to_what_an_admin_types(string text, string folded) => ChatKitSearchText.Fold(text).Should().Be(folded);

    [Test]
    public void Lone_surrogates_become_the_replacement_character_as_in_the_stored_JSON_and_pairs_stay()
    {
        // Not in TestCase attributes: their strings are stored as UTF-8, where a lone surrogate does not survive.
        ChatKitSearchText.Fold("lone \uD800 SURROGATE \uDE00 E\u0301\uD83D").Should().Be("lone \uFFFD surrogate \uFFFD e\uFFFD");
        ChatKitSearchText.Fold("\uDE00\uD83D").Should().Be("\uFFFD\uFFFD");
        // Noncharacters, which normalization refuses, stay as they are (a message holding one must still save).
        ChatKitSearchText.Fold("A\uFFFE\u3099 \uD83F\uDFFE \uFFFF").Should().Be("a\uFFFE\u3099 \uD83F\uDFFE \uFFFF");
        ChatKitSearchText.Fold("PAIR \uD83D\uDE00 É \uD801\uDC00").Should().Be("pair \uD83D\uDE00 e \uD801\uDC28"); // Deseret: a pair lowered
    }

    [Test]
    public void Folding_ignores_case_for_every_character_and_folds_a_string_as_its_characters_once()
    {
        // Fold looks the folds of Latin up in a table and hands only runs of other characters to normalization and ICU: it must
        // agree with itself everywhere, treat upper and lower case alike, and give what it gives again when folded again.
        var chars = Enumerable.Range(1, 0xFFFD).Where(c => c is < 0xD800 or > 0xDFFF).Select(c => (char)c).ToList();
        foreach (var c in chars)
        {
            var folded = ChatKitSearchText.Fold(c.ToString());
            ChatKitSearchText.Fold(folded).Should().Be(folded, $"U+{(int)c:X4} folded again");
            ChatKitSearchText.Fold(char.ToUpperInvariant(c).ToString()).Should().Be(folded, $"U+{(int)c:X4} in upper case");
            ChatKitSearchText.Fold(char.ToLowerInvariant(c).ToString()).Should().Be(folded, $"U+{(int)c:X4} in lower case");
        }
        var all = new string([.. chars]);
        var whole = ChatKitSearchText.Fold(all);
        ChatKitSearchText.Fold(whole).Should().Be(whole);
        whole.Normalize(System.Text.NormalizationForm.FormD).Should()
            .Be(string.Concat(chars.Select(c => ChatKitSearchText.Fold(c.ToString()))).Normalize(System.Text.NormalizationForm.FormD));
    }

    [Test]
    public void Text_that_grows_when_folded_is_folded_whole()
    {
        // ﬃ is three letters and ß two: the fold outgrows the text, and the ASCII after it still has to fit.
        var text = new string('ﬃ', 1000) + new string('ß', 1000) + new string('A', 5000);
        ChatKitSearchText.Fold(text).Should().Be(string.Concat(Enumerable.Repeat("ffi", 1000)) + new string('s', 2000) + new string('a', 5000));
    }

    [Test]
    public void Workflow_task_and_structured_input_text_and_widget_labels_are_searched_without_JSON_names()
    {
        var workflow = new WorkflowItem
        {
            Id = "wf_1", ThreadId = "thr_1", CreatedAt = At,
            Workflow = new Workflow
            {
                Summary = new CustomSummary { Title = "Checked the FLIGHTS" },
                Tasks =
                [
                    new CustomTask { Title = "Booking", Content = "Seat 12A confirmed", Icon = "calendar" },
                    new ThoughtTask { Content = "Thinking about Straße" },
                    new SearchTask { TitleQuery = "cheap flights", Queries = ["Paris Nice"], Sources = [new UrlSource { Title = "Air Page", Url = "https://example.com/x" }] },
                    new FileTask { Title = "Files", Sources = [new FileSource { Title = "Plan", Filename = "plan.PDF" }] },
                ],
            },
        };
        var task = new TaskItem { Id = "tsk_1", ThreadId = "thr_1", CreatedAt = At, Task = new CustomTask { Title = "Lone TASK", Content = "Its content" } };
        var input = new StructuredInputItem
        {
            Id = "si_1", ThreadId = "thr_1", CreatedAt = At,
            Inputs =
            [
                new StructuredInputMultipleChoice { Id = "q1", Question = "Which SEAT?", Options = [new() { Value = "Window" }, new() { Value = "Aisle" }], Answer = new() { Values = ["Window"] } },
                new StructuredInputFreeform { Id = "q2", Question = "Anything else?", Description = "Free text", Answer = new() { Values = ["A vegan meal"] } },
            ],
        };
        var widget = new WidgetItem
        {
            Id = "wdg_1", ThreadId = "thr_1", CreatedAt = At,
            Widget = new Card
            {
                Children = [new Button { Label = "Book NOW" }, new Badge { Label = "New" }, new Select { Name = "s", Options = [new SelectOption { Value = "v1", Label = "First class" }] }],
                Confirm = new CardAction { Label = "Confirm it", Action = ActionConfig.Create("confirm") },
            },
        };

        ChatKitSearchText.Of(workflow).Should().Be("checked the flights\nbooking\nseat 12a confirmed\nthinking about strasse\ncheap flights\nparis nice\nair page\nfiles\nplan\nplan.pdf");
        ChatKitSearchText.Of(task).Should().Be("lone task\nits content");
        ChatKitSearchText.Of(input).Should().Be("which seat?\nwindow\naisle\nwindow\nanything else?\nfree text\na vegan meal");
        ChatKitSearchText.Of(widget).Should().Be("book now\nnew\nfirst class\nconfirm it");
    }

    [TestCase("50%_off", "%50\\%\\_off%")]
    [TestCase("[A-Z]", "%\\[a-z]%")]
    [TestCase("C:\\Temp", "%c:\\\\temp%")]
    public void A_query_becomes_a_pattern_that_finds_it_literally(string query, string pattern) =>
        ChatKitSearchText.ContainsPattern(query).Should().Be(pattern);
}
