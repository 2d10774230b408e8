using ChatKit.Json;
using Microsoft.Extensions.Logging;

namespace ChatKit;

/// <summary>Applies a client's submission to a pending structured input item.</summary>
internal static class StructuredInputAnswers
{
    /// <summary>
    /// A copy of <paramref name="item"/> with every question answered: omitted, empty or skipped
    /// answers count as skipped, a single-choice question keeps its first value, answers to
    /// unknown questions are ignored (and logged).
    /// </summary>
    public static StructuredInputItem Apply(StructuredInputItem item, StructuredInputSubmission submission, ILogger logger)
    {
        var updated = ChatKitJson.Clone(item);
        var known = updated.Inputs.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = submission.Answers.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            logger.LogWarning("Structured input {ItemId} got answers to unknown questions, ignored: {UnknownQuestions}", item.Id, string.Join(", ", unknown));

        foreach (var question in updated.Inputs)
        {
            submission.Answers.TryGetValue(question.Id, out var answer);
            if (submission.Status == StructuredInputSubmissionStatus.Skipped || answer is null || answer.Skipped || answer.Values.Count == 0)
            {
                question.Answer = new StructuredInputAnswer { Skipped = true };
                continue;
            }
            var values = question is StructuredInputMultipleChoice { Multiple: false } ? answer.Values.Take(1).ToList() : answer.Values.ToList();
            question.Answer = new StructuredInputAnswer { Values = values };
        }
        updated.Status = submission.Status == StructuredInputSubmissionStatus.Skipped ? StructuredInputStatus.Skipped : StructuredInputStatus.Answered;
        return updated;
    }
}
