using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ChatKit.Json;

namespace ChatKit.Tests.Json;

/// <summary>
/// Every wire type must have the reference's defaults, both when it is read from JSON that leaves the
/// field out (the source-generated contract builds init-only members with default values, not the
/// initializer's) and when code creates it. The defaults come from the protocol's JSON Schemas,
/// which are generated from the reference's own pydantic models (chatkit/types.py, chatkit/widgets.py,
/// chatkit/actions.py), so a new defaulted field there is checked here without a new test.
/// </summary>
public class ReferenceDefaultsTests
{
    /// <summary>Schema definitions whose C# type has another name.</summary>
    private static readonly Dictionary<string, Type> Renamed = new()
    {
        ["Page[Thread]"] = typeof(Page<ChatKitThread>),
        ["ThreadListParams"] = typeof(ListParams),
        ["SDKHiddenContextItem"] = typeof(SdkHiddenContextItem),
        ["Thread"] = typeof(ChatKitThread),
    };

    /// <summary>Fields the reference's serializer leaves out whatever their default (<c>exclude_metadata</c>).</summary>
    private static readonly HashSet<string> NeverWritten = ["metadata"];

    private static readonly Dictionary<string, JsonObject> Definitions = LoadDefinitions();

    private static Dictionary<string, JsonObject> LoadDefinitions()
    {
        var all = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema");
        foreach (var file in Directory.GetFiles(folder, "*.schema.json"))
        {
            var schema = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            foreach (var (name, definition) in schema["$defs"]?.AsObject() ?? [])
                all[name] = definition!.AsObject();
            if (schema["properties"] is not null && schema["title"] is JsonValue title)
                all[title.GetValue<string>()] = schema;
        }
        return all;
    }

    /// <summary>Definitions with at least one field whose default is not None (those the reference writes).</summary>
    private static IEnumerable<TestCaseData> DefaultedDefinitions() =>
        LoadDefinitions()
            .Where(d => Defaults(d.Value).Any())
            .Where(d => !d.Key.StartsWith("Page_", StringComparison.Ordinal)) // the same page under pydantic's long name
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => new TestCaseData(d.Key).SetName($"Defaults of {d.Key}"));

    private static IEnumerable<(string Name, JsonNode Value)> Defaults(JsonObject definition) =>
        (definition["properties"]?.AsObject() ?? [])
            .Where(p => p.Key != "type" && !NeverWritten.Contains(p.Key))
            .Where(p => p.Value!.AsObject().TryGetPropertyValue("default", out var value) && value is not null)
            .Select(p => (p.Key, p.Value!["default"]!));

    [TestCaseSource(nameof(DefaultedDefinitions))]
    public void A_type_read_without_its_defaulted_fields_writes_the_reference_defaults(string definition)
    {
        var type = ClrType(definition);
        var info = ChatKitJson.Options.GetTypeInfo(type);
        var minimal = Minimal(Definitions[definition]);

        var read = JsonSerializer.Deserialize(minimal.ToJsonString(), info)!;
        var written = JsonSerializer.SerializeToNode(read, info)!.AsObject();

        foreach (var (name, expected) in Defaults(Definitions[definition]))
        {
            written.TryGetPropertyValue(name, out var actual).Should().BeTrue($"{definition}.{name} is written with its default, like the reference (read from {minimal.ToJsonString()})");
            JsonNode.DeepEquals(actual, expected).Should().BeTrue($"{definition}.{name} defaults to {expected.ToJsonString()} in the reference, got {actual?.ToJsonString()}");
        }
    }

    [TestCaseSource(nameof(DefaultedDefinitions))]
    public void A_type_created_in_code_has_the_reference_defaults(string definition)
    {
        var type = ClrType(definition);
        var info = ChatKitJson.Options.GetTypeInfo(type);
        if (type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
            Assert.Fail($"{type.Name} has no parameterless constructor to check");
        var created = Activator.CreateInstance(type)!;

        foreach (var (name, expected) in Defaults(Definitions[definition]))
        {
            var property = info.Properties.SingleOrDefault(p => p.Name == name);
            property.Should().NotBeNull($"{type.Name} has the reference's field '{name}'");
            var value = property!.Get!(created);
            var actual = JsonSerializer.SerializeToNode(value, ChatKitJson.Options.GetTypeInfo(property.PropertyType));
            JsonNode.DeepEquals(actual, expected).Should().BeTrue($"new {type.Name}().{name} defaults to {expected.ToJsonString()} in the reference, got {actual?.ToJsonString()}");
        }
    }

    [Test]
    public void A_widget_button_whose_action_names_no_handler_is_sent_to_the_server_as_a_stream()
    {
        var item = ChatKitJson.Deserialize<ThreadItem>("""
            {"type":"widget","id":"msg_1","thread_id":"thr_1","created_at":"2026-01-01T00:00:00Z",
             "widget":{"type":"Card","children":[{"type":"Button","label":"Go","onClickAction":{"type":"go"}}]}}
            """);

        var json = JsonNode.Parse(ChatKitJson.Serialize(item))!;
        var action = json["widget"]!["children"]![0]!["onClickAction"]!;
        action["handler"]!.GetValue<string>().Should().Be("server");
        action["streaming"]!.GetValue<bool>().Should().BeTrue();
        action["loadingBehavior"]!.GetValue<string>().Should().Be("auto");
    }

    private static Type ClrType(string definition)
    {
        if (Renamed.TryGetValue(definition, out var renamed)) return renamed;
        if (definition.StartsWith("Page[", StringComparison.Ordinal)) return typeof(Page<ThreadItem>);
        var matches = typeof(ChatKitJson).Assembly.GetTypes().Where(t => t.IsPublic && t.Name == definition).ToList();
        matches.Should().ContainSingle($"the reference's {definition} has a C# type of the same name (or an entry in {nameof(Renamed)})");
        return matches[0];
    }

    /// <summary>The smallest JSON the schema accepts for a definition: its required fields only.</summary>
    private static JsonNode Minimal(JsonObject schema, int depth = 0)
    {
        if (depth > 20) throw new InvalidOperationException("schema too deep");
        if (schema["$ref"] is JsonValue reference)
            return Minimal(Definitions[reference.GetValue<string>().Split('/')[^1]], depth + 1);
        if (schema["const"] is { } constant) return constant.DeepClone();
        if (schema["enum"] is JsonArray values) return values[0]!.DeepClone();
        foreach (var union in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (schema[union] is JsonArray branches)
                return Minimal(branches.Select(b => b!.AsObject()).First(b => b["type"]?.GetValue<string>() != "null"), depth + 1);
        }
        switch (schema["type"]?.GetValue<string>())
        {
            case "string":
                return schema["format"]?.GetValue<string>() switch
                {
                    "date-time" => "2026-01-01T00:00:00Z",
                    "uri" => "https://example.com/x",
                    _ => "x",
                };
            case "integer" or "number": return 0;
            case "boolean": return false;
            case "array": return new JsonArray();
            case "object" or null when schema["properties"] is JsonObject properties:
            {
                var result = new JsonObject();
                foreach (var required in schema["required"]?.AsArray() ?? [])
                {
                    var name = required!.GetValue<string>();
                    result[name] = Minimal(properties[name]!.AsObject(), depth + 1);
                }
                return result;
            }
            default: return new JsonObject();
        }
    }
}
