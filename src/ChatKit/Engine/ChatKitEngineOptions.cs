using System.ComponentModel.DataAnnotations;

namespace ChatKit;

/// <summary>Settings of <see cref="ChatKitEngine"/>.</summary>
public sealed class ChatKitEngineOptions : IValidatableObject
{
    /// <summary>Page size when a list request gives none (the protocol's 20).</summary>
    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 20;

    /// <summary>The largest page a list request may ask for; larger limits are refused with a 400.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    /// <summary>The longest thread title accepted.</summary>
    [Range(1, 10_000)]
    public int MaxTitleLength { get; set; } = 200;

    /// <summary>Whether clients may cancel streams (<c>stream_options.allow_cancel</c>).</summary>
    public bool AllowCancel { get; set; } = true;

    /// <summary>The hidden note saved when the user cancels a stream, so the next turn does not continue it.</summary>
    public string CancelledNote { get; set; } = "The user cancelled the stream. Stop responding to the prior request.";

    /// <summary>
    /// The hidden note saved when a stream was cut because the server was stopping
    /// (<see cref="ChatKitContext.ServerStopping"/>), not because the user cancelled.
    /// </summary>
    public string ShutdownNote { get; set; } = "The server restarted while answering; the answer above may be incomplete. Answer the prior request again if the user asks.";

    /// <summary>
    /// While an answer streams, how often the engine looks (one read, between two events) whether its thread was deleted
    /// meanwhile, on any instance; a deleted thread's answer then stops (the model call with it) instead of running on to
    /// the next save. Zero looks after every event. The default is 2 s: a turn shorter than that reads nothing more.
    /// </summary>
    public TimeSpan DeletedThreadCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DeletedThreadCheckInterval < TimeSpan.Zero)
            yield return new ValidationResult($"DeletedThreadCheckInterval ({DeletedThreadCheckInterval}) must not be negative.", [nameof(DeletedThreadCheckInterval)]);
        if (DefaultPageSize > MaxPageSize)
            yield return new ValidationResult($"DefaultPageSize ({DefaultPageSize}) must not be larger than MaxPageSize ({MaxPageSize}).", [nameof(DefaultPageSize), nameof(MaxPageSize)]);
    }
}
