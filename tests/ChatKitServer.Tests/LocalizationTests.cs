using System.Globalization;
using System.Xml.Linq;
using ChatKitServer.Assistant;
using ChatKitServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace ChatKitServer.Tests;

/// <summary>Every culture of locales/ has every text, and the localizer really returns them (not the keys).</summary>
public class LocalizationTests
{
    private static string Locales => Path.GetFullPath(Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "..", "locales"));

    private static HashSet<string> Keys(string file) =>
        XDocument.Load(Path.Combine(Locales, file)).Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet();

    [TestCase("fr")]
    [TestCase("de")]
    [TestCase("es")]
    public void Each_culture_translates_every_user_facing_text(string culture)
    {
        var english = Keys("AssistantTexts.resx");
        english.Remove(AssistantTexts.LocalePrompt); // instructions for the model stay in English
        english.Remove(AssistantTexts.TitlePrompt);
        Keys($"AssistantTexts.{culture}.resx").Should().BeEquivalentTo(english);
    }

    [TestCase("AssistantTexts.resx")]
    [TestCase("AssistantTexts.fr.resx")]
    [TestCase("AssistantTexts.de.resx")]
    [TestCase("AssistantTexts.es.resx")]
    public void Progress_texts_use_one_ellipsis_style(string file)
    {
        var progress = new[] { AssistantTexts.Thinking, AssistantTexts.Analyzing, AssistantTexts.Searching, AssistantTexts.SavingMemory,
            AssistantTexts.RecallingMemory, AssistantTexts.ExecutingTool, AssistantTexts.CallingMcpTool };
        var texts = XDocument.Load(Path.Combine(Locales, file)).Root!.Elements("data")
            .Where(d => progress.Contains((string)d.Attribute("name")!)).ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!);

        texts.Keys.Should().BeEquivalentTo(progress);
        texts.Values.Should().OnlyContain(t => t.EndsWith("...") && !t.Contains('…'), "progress texts end with three dots, never the single ellipsis character");
    }

    [TestCase("en", "Executing tool_x...")]
    [TestCase("fr", "Exécution de tool_x...")]
    [TestCase("de", "tool_x wird ausgeführt...")]
    [TestCase("es", "Ejecutando tool_x...")]
    public void The_localizer_returns_the_translation(string culture, string expected)
    {
        using var factory = new ServerFactory(new() { ["Assistant:Provider"] = "OpenAI", ["OpenAI:ApiKey"] = "k", ["OpenAI:Model"] = "m" });
        var texts = factory.Services.GetRequiredService<IStringLocalizer<AssistantTexts>>();
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo(culture);
            var text = texts[AssistantTexts.ExecutingTool, "tool_x"];
            text.ResourceNotFound.Should().BeFalse();
            text.Value.Should().Be(expected);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
