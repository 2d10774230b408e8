using ChatKit;
using Serilog.Core;
using Serilog.Events;

namespace ChatKitServer.Hosting;

/// <summary>
/// Escapes control characters in the text values of every log event (<see cref="OneLineText"/>): a request path with
/// <c>%0A</c> in it, an id or a user id from a request cannot end the line it is logged on and begin a forged one in a text
/// log (the console's, a file's) or send escape sequences to the terminal showing it. Values nested in structures,
/// sequences and dictionaries too. A value without such characters is left as it is (no copy).
/// </summary>
public sealed class OneLineLogValues : ILogEventEnricher
{
    /// <inheritdoc />
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            var escaped = Escape(value);
            if (!ReferenceEquals(escaped, value)) (changed ??= []).Add(new LogEventProperty(name, escaped));
        }
        if (changed is null) return;
        foreach (var property in changed) logEvent.AddOrUpdateProperty(property);
    }

    private static LogEventPropertyValue Escape(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string text } when OneLineText.NeedsEscaping(text) => new ScalarValue(OneLineText.Of(text)),
        SequenceValue sequence when Changed(sequence.Elements, out var elements) => new SequenceValue(elements),
        StructureValue structure when Changed(structure.Properties.Select(p => p.Value).ToList(), out var values) =>
            new StructureValue(structure.Properties.Select((p, i) => new LogEventProperty(p.Name, values[i])), structure.TypeTag),
        DictionaryValue dictionary when Changed(dictionary.Elements.Select(e => e.Value).ToList(), out var values) =>
            new DictionaryValue(dictionary.Elements.Select((e, i) => new KeyValuePair<ScalarValue, LogEventPropertyValue>(
                e.Key is { Value: string key } && OneLineText.NeedsEscaping(key) ? new ScalarValue(OneLineText.Of(key)) : e.Key, values[i]))),
        _ => value,
    };

    private static bool Changed(IReadOnlyList<LogEventPropertyValue> values, out List<LogEventPropertyValue> escaped)
    {
        escaped = values.Select(Escape).ToList();
        for (var i = 0; i < values.Count; i++)
            if (!ReferenceEquals(values[i], escaped[i])) return true;
        return false;
    }
}
