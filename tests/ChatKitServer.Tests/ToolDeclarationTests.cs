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
}
