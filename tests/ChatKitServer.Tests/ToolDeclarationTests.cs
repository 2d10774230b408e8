using System.Text.Json.Nodes;
using ChatKitServer.Assistant.Tools;
using ChatKitServer.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Tests;

/// <summary>The tools' declarations are made once and shared by every turn, and still follow a tool whose description or schema changes.</summary>
public class ToolDeclarationTests
{
    private static ToolRegistry Registry(string description, string parameters) => new([], Options.Create(new AssistantOptions
    {
        ClientTools = [new ClientToolOptions { Name = "pick_color", Description = description, Parameters = parameters }],
    }));

    private const string Schema = """{"type":"object","properties":{"color":{"type":"string","description":"Grüße \"quoted\""}},"required":["color"]}""";

    [Test]
    public void Two_turns_share_one_declaration_that_carries_the_tool_s_name_description_and_schema()
    {
        var first = Registry("Pick a color", Schema).Definitions().Single();
        var second = Registry("Pick a color", Schema).Definitions().Single();

        second.Should().BeSameAs(first, "each turn's registry (a scoped service) hands out the declaration made before");
        var declaration = first.Should().BeAssignableTo<AIFunctionDeclaration>().Subject;
        (declaration.Name, declaration.Description).Should().Be(("pick_color", "Pick a color"));
        JsonNode.DeepEquals(JsonNode.Parse(declaration.JsonSchema.GetRawText()), JsonNode.Parse(Schema)).Should().BeTrue();
    }

    [Test]
    public void A_tool_whose_description_or_schema_changed_gets_a_declaration_of_its_own()
    {
        var before = Registry("Pick a color", Schema).Definitions().Single();
        var described = Registry("Pick one color", Schema).Definitions().Single();
        var reshaped = Registry("Pick a color", """{"type":"object","properties":{}}""").Definitions().Single();

        described.Should().NotBeSameAs(before);
        described.Description.Should().Be("Pick one color");
        reshaped.Should().NotBeSameAs(before);
        ((AIFunctionDeclaration)reshaped).JsonSchema.GetRawText().Should().NotContain("color");
    }

    [Test]
    public void The_built_in_tools_are_declared_with_the_schemas_they_give_as_objects()
    {
        // Their schemas are kept as text (no object built and written out each turn): the text and the object must agree.
        IChatKitTool[] tools = [new SearchThreadsTool(null!), new RememberTool(null!), new RecallTool(null!)];
        var declared = new ToolRegistry(tools, Options.Create(new AssistantOptions())).Definitions().Cast<AIFunctionDeclaration>().ToList();

        declared.Select(d => d.Name).Should().Equal("search_threads", "remember", "recall");
        foreach (var (tool, declaration) in tools.Zip(declared))
        {
            tool.Parameters["type"]!.GetValue<string>().Should().Be("object");
            JsonNode.DeepEquals(JsonNode.Parse(declaration.JsonSchema.GetRawText()), tool.Parameters).Should().BeTrue(tool.Name);
            tool.Parameters.Should().NotBeSameAs(tool.Parameters, "each caller gets its own copy to change");
        }
    }
}
