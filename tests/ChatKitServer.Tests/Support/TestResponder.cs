using System.Runtime.CompilerServices;
using ChatKit;

namespace ChatKitServer.Tests.Support;

/// <summary>A responder whose behaviour each test sets; counts calls and sees cancellation.</summary>
public sealed class TestResponder : IChatKitResponder
{
    public Func<ThreadMetadata, UserMessageItem?, CancellationToken, IAsyncEnumerable<ThreadStreamEvent>> Script { get; set; }
        = (t, input, ct) => Text(t, "echo: " + (input?.Text ?? ""));

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _calls;
    public int Calls => _calls;

    public IAsyncEnumerable<ThreadStreamEvent> RespondAsync(ThreadMetadata thread, UserMessageItem? input, ChatKitContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        cancellationToken.Register(() => Cancelled.TrySetResult());
        return Script(thread, input, cancellationToken);
    }

    /// <summary>Streams <paramref name="events"/> one at a time, each after a yield, as a responder would.</summary>
    public static async IAsyncEnumerable<ThreadStreamEvent> Events(params ThreadStreamEvent[] events)
    {
        foreach (var ev in events)
        {
            await Task.Yield();
            yield return ev;
        }
    }

    public static IAsyncEnumerable<ThreadStreamEvent> Text(ThreadMetadata thread, string text) =>
        AssistantMessageStream.FromChunksAsync(thread.Id, Chunks(text));

    private static async IAsyncEnumerable<string> Chunks(string text)
    {
        foreach (var word in text.Split(' '))
        {
            await Task.Yield();
            yield return word + " ";
        }
    }

    /// <summary>Streams <paramref name="words"/> slowly, then waits for ever (until cancelled).</summary>
    public static async IAsyncEnumerable<ThreadStreamEvent> SlowThenHang(ThreadMetadata thread, string[] words, TimeSpan gap, [EnumeratorCancellation] CancellationToken ct)
    {
        var message = new AssistantMessageStream(thread.Id);
        foreach (var ev in message.Begin()) yield return ev;
        foreach (var word in words)
        {
            await Task.Delay(gap, ct);
            yield return message.Append(word);
        }
        await Task.Delay(Timeout.Infinite, ct);
    }
}
