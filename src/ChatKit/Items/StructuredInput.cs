using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>Status of a structured input item.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<StructuredInputStatus>))]
public enum StructuredInputStatus
{
    /// <summary>Waiting for the user's answers.</summary>
    [JsonStringEnumMemberName("pending")] Pending,
    /// <summary>Answered.</summary>
    [JsonStringEnumMemberName("answered")] Answered,
    /// <summary>Skipped as a whole.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,
}

/// <summary>Questions the assistant asks the user, answered with <c>threads.add_structured_input</c>.</summary>
public sealed class StructuredInputItem : ThreadItem
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => ItemTypes.StructuredInput;
    /// <summary>Pending until answered.</summary>
    public StructuredInputStatus Status { get; set; } = StructuredInputStatus.Pending;
    /// <summary>The questions.</summary>
    public List<StructuredInput> Inputs { get; set; } = [];
}

/// <summary>An answer recorded for one question.</summary>
public sealed class StructuredInputAnswer
{
    /// <summary>The values given.</summary>
    public List<string> Values { get; set; } = [];
    /// <summary>Whether the question was skipped.</summary>
    public bool Skipped { get; set; }
}

/// <summary>One question: multiple choice or freeform.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StructuredInputMultipleChoice), "multiple_choice")]
[JsonDerivedType(typeof(StructuredInputFreeform), "freeform")]
public abstract class StructuredInput
{
    /// <summary>A stable id for this question.</summary>
    public required string Id { get; set; }
    /// <summary>The question shown.</summary>
    public required string Question { get; set; }
    /// <summary>The answer, once given.</summary>
    public StructuredInputAnswer? Answer { get; set; }
}

/// <summary>An option of a multiple-choice question.</summary>
public sealed class StructuredInputMultipleChoiceOption
{
    /// <summary>The value submitted when chosen.</summary>
    public required string Value { get; set; }
}

/// <summary>A question answered by choosing one or more options.</summary>
public sealed class StructuredInputMultipleChoice : StructuredInput
{
    /// <summary>The options.</summary>
    public List<StructuredInputMultipleChoiceOption> Options { get; set; } = [];
    /// <summary>Whether several values may be chosen; otherwise only the first is kept.</summary>
    public bool Multiple { get; set; }
}

/// <summary>A question answered with free text.</summary>
public sealed class StructuredInputFreeform : StructuredInput
{
    /// <summary>Supporting text.</summary>
    public string? Description { get; set; }
}

/// <summary>The client's answer to one question.</summary>
public sealed class StructuredInputAnswerSubmission
{
    /// <summary>The values.</summary>
    public List<string> Values { get; set; } = [];
    /// <summary>Whether the question was skipped.</summary>
    public bool Skipped { get; set; }
}

/// <summary>Overall status of a submission.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<StructuredInputSubmissionStatus>))]
public enum StructuredInputSubmissionStatus
{
    /// <summary>The user answered.</summary>
    [JsonStringEnumMemberName("answered")] Answered,
    /// <summary>The user skipped every question.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,
}

/// <summary>The client's answers for a pending structured input item.</summary>
public sealed class StructuredInputSubmission
{
    /// <summary>Answered or skipped.</summary>
    public StructuredInputSubmissionStatus Status { get; set; } = StructuredInputSubmissionStatus.Answered;
    /// <summary>Answers keyed by question id (keys untouched).</summary>
    public Dictionary<string, StructuredInputAnswerSubmission> Answers { get; set; } = [];
}
