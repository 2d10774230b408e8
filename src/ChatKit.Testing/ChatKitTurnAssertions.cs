using ChatKit.Client;
using FluentAssertions;
using FluentAssertions.Execution;
using FluentAssertions.Primitives;

namespace ChatKit.Testing;

/// <summary>FluentAssertions for a collected turn: <c>turn.Should().HaveAssistantText("…")</c>.</summary>
public sealed class ChatKitTurnAssertions(ChatKitTurn subject) : ReferenceTypeAssertions<ChatKitTurn, ChatKitTurnAssertions>(subject)
{
    /// <inheritdoc />
    protected override string Identifier => "turn";

    /// <summary>The assistant's text of the turn equals <paramref name="expected"/>.</summary>
    public AndConstraint<ChatKitTurnAssertions> HaveAssistantText(string expected, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject.AssistantText == expected)
            .FailWith("Expected the assistant to say {0}{reason}, but it said {1} ({2}).", expected, Subject.AssistantText, Subject.ToString());
        return new(this);
    }

    /// <summary>The assistant's text contains <paramref name="part"/>.</summary>
    public AndConstraint<ChatKitTurnAssertions> HaveAssistantTextContaining(string part, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject.AssistantText.Contains(part, StringComparison.Ordinal))
            .FailWith("Expected the assistant's text to contain {0}{reason}, but it was {1}.", part, Subject.AssistantText);
        return new(this);
    }

    /// <summary>A progress update with exactly this text was shown.</summary>
    public AndConstraint<ChatKitTurnAssertions> HaveProgressUpdate(string text, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject.ProgressUpdates.Contains(text))
            .FailWith("Expected a progress update {0}{reason}, but saw {1}.", text, Subject.ProgressUpdates);
        return new(this);
    }

    /// <summary>The turn ended with an error event (optionally with this retry flag or message).</summary>
    public AndConstraint<ChatKitTurnAssertions> HaveError(bool? allowRetry = null, string? message = null, string because = "", params object[] becauseArgs)
    {
        var error = Subject.Errors.LastOrDefault();
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(error is not null)
            .FailWith("Expected the turn to end with an error{reason}, but it had none ({0}).", Subject.ToString())
            .Then
            .ForCondition(allowRetry is null || error!.AllowRetry == allowRetry)
            .FailWith("Expected the error to allow retry: {0}{reason}, but it was {1}.", allowRetry, error?.AllowRetry)
            .Then
            .ForCondition(message is null || error!.Message == message)
            .FailWith("Expected the error message {0}{reason}, but it was {1}.", message, error?.Message);
        return new(this);
    }

    /// <summary>The turn had no error event.</summary>
    public AndConstraint<ChatKitTurnAssertions> NotHaveErrors(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(Subject.Errors.Count == 0)
            .FailWith("Expected no error{reason}, but got {0}.", Subject.Errors.Select(e => $"{e.Code}: {e.Message}"));
        return new(this);
    }

    /// <summary>A widget of type <typeparamref name="T"/> was shown.</summary>
    public AndWhichConstraint<ChatKitTurnAssertions, T> HaveWidget<T>(string because = "", params object[] becauseArgs) where T : Widgets.WidgetRoot
    {
        var widget = Subject.Widgets.OfType<T>().FirstOrDefault();
        Execute.Assertion.BecauseOf(because, becauseArgs)
            .ForCondition(widget is not null)
            .FailWith("Expected a {0} widget{reason}, but saw {1}.", typeof(T).Name, Subject.Widgets.Select(w => w.Type));
        return new(this, widget!);
    }
}

/// <summary>Entry point of <see cref="ChatKitTurnAssertions"/>.</summary>
public static class ChatKitAssertionExtensions
{
    /// <summary>Assertions on a collected turn.</summary>
    public static ChatKitTurnAssertions Should(this ChatKitTurn turn) => new(turn);
}
