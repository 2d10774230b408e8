using ChatKit.Widgets;

namespace ChatKitServer.Responders;

/// <summary>The card the offline responder shows on "help": what it can do and how to get a real model.</summary>
public static class HelpCard
{
    public static Card Build() => new()
    {
        Size = CardSize.Md,
        Status = new WidgetStatus { Text = "Offline assistant", Icon = WidgetIcons.Info },
        Children =
        [
            new Title { Value = "What I can do", Size = TitleSize.Md },
            new Text { Value = "No model is configured, so I answer without one:", Color = "secondary" },
            new Col
            {
                Gap = 2,
                Children =
                [
                    Line(WidgetIcons.Write, "Echo your message, streamed word by word"),
                    Line(WidgetIcons.Sparkle, "Show progress updates while I work"),
                    Line(WidgetIcons.SquareText, "Show this card when you ask for help"),
                ],
            },
            new Divider(),
            new Markdown { Value = "Set `Assistant:Provider` to `OpenAI` or `AzureOpenAI` to answer with a real model." },
        ],
    };

    private static Row Line(string icon, string text) => new()
    {
        Gap = 2,
        Align = Alignment.Center,
        Children = [new Icon { Name = icon, Color = "secondary" }, new Text { Value = text, Size = TextSize.Sm }],
    };
}
