using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Json;
using ChatKit.Tests.Support;
using ChatKit.Widgets;

namespace ChatKit.Tests.Widgets;

public class WidgetJsonTests
{
    private static JsonNode Json(WidgetRoot root) => JsonNode.Parse(ChatKitJson.Serialize(root))!;

    private static void AssertJson(JsonNode actual, string expected) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).Should().BeTrue($"got {actual.ToJsonString()}");

    [Test]
    public void A_card_built_in_CSharp_has_the_wire_shape()
    {
        var card = new Card
        {
            Size = CardSize.Md,
            Padding = new Spacing { X = 4, Y = "8px" },
            Background = new ThemeColor(light: "#fff", dark: "#000"),
            Status = new WidgetStatus { Text = "Live", Icon = WidgetIcons.Bolt },
            Children =
            [
                new Title { Value = "Weather", Size = TitleSize.TwoXl, Weight = FontWeight.Semibold },
                new Row
                {
                    Gap = 2, Align = Alignment.Center, Border = new Border { Size = 1, Color = "gray-200", Style = BorderStyle.Dashed },
                    Children =
                    [
                        new Icon { Name = WidgetIcons.Sparkle, Size = IconSize.Lg },
                        new Text { Id = "desc", Value = "Sunny", Streaming = true, Color = "secondary" },
                        new Spacer(),
                        new Button { Label = "Refresh", OnClickAction = ActionConfig.Create("weather.refresh", new JsonObject { ["City"] = "Paris" }), Variant = ControlVariant.Soft, Size = ControlSize.ThreeXs },
                    ],
                },
                new Image { Src = "https://img.test/sun.png", Radius = Radius.Percent100, Fit = ImageFit.ScaleDown, Position = ImagePosition.TopLeft },
            ],
            Confirm = new CardAction { Label = "OK", Action = ActionConfig.Create("ok", handler: ActionHandler.Client, streaming: false) },
        };

        AssertJson(Json(card), """
        {"type":"Card","size":"md","padding":{"x":4,"y":"8px"},"background":{"dark":"#000","light":"#fff"},
         "status":{"text":"Live","icon":"bolt"},
         "children":[
           {"type":"Title","value":"Weather","size":"2xl","weight":"semibold"},
           {"type":"Row","gap":2,"align":"center","border":{"size":1,"color":"gray-200","style":"dashed"},"children":[
             {"type":"Icon","name":"sparkle","size":"lg"},
             {"type":"Text","id":"desc","value":"Sunny","streaming":true,"color":"secondary"},
             {"type":"Spacer"},
             {"type":"Button","label":"Refresh","variant":"soft","size":"3xs",
              "onClickAction":{"type":"weather.refresh","payload":{"City":"Paris"},"handler":"server","loadingBehavior":"auto","streaming":true}}]},
           {"type":"Image","src":"https://img.test/sun.png","radius":"100%","fit":"scale-down","position":"top left"}],
         "confirm":{"label":"OK","action":{"type":"ok","handler":"client","loadingBehavior":"auto","streaming":false}}}
        """);
    }

    private static readonly string[] Fixtures =
    [
        """{"type":"Basic","children":[{"type":"Text","value":"plain"},{"type":"Markdown","id":"md","value":"**bold**","streaming":false}]}""",
        """
        {"type":"ListView","limit":"auto","theme":"dark","status":{"text":"Inbox","favicon":"https://mail.test/f.ico","frame":true},"children":[
            {"type":"ListViewItem","gap":3,"align":"start","onClickAction":{"type":"open","payload":{"id":7},"handler":"server","loadingBehavior":"self","streaming":true},
             "children":[{"type":"Col","flex":1,"children":[{"type":"Caption","value":"From Ann","size":"sm"},{"type":"Badge","label":"new","color":"info","pill":true}]}]}]}
        """,
        """{"type":"ListView","limit":5,"children":[]}""",
        """
        {"type":"Card","asForm":true,"collapsed":false,"children":[
            {"type":"Form","direction":"col","onSubmitAction":{"type":"submit","handler":"server","loadingBehavior":"container","streaming":true},"children":[
              {"type":"Label","value":"Name","fieldName":"name","weight":"medium"},
              {"type":"Input","name":"name","inputType":"email","required":true,"variant":"outline","gutterSize":"2xs","pill":false},
              {"type":"Textarea","name":"notes","rows":3,"autoResize":true,"maxRows":8},
              {"type":"Select","name":"city","options":[{"value":"p","label":"Paris","description":"FR"},{"value":"b","label":"Berlin","disabled":true}],"clearable":true,"searchable":true},
              {"type":"DatePicker","name":"when","min":"2026-01-01","side":"bottom","align":"end"},
              {"type":"Checkbox","name":"agree","label":"I agree","defaultChecked":true},
              {"type":"RadioGroup","name":"size","direction":"row","options":[{"label":"S","value":"s"},{"label":"L","value":"l"}]},
              {"type":"Divider","spacing":4,"flush":true,"color":{"dark":"#333","light":"#ddd"}},
              {"type":"Text","value":"editable","editable":{"name":"title","autoFocus":true}},
              {"type":"Text","value":"fixed","editable":false,"textAlign":"center","minLines":1,"maxLines":2,"truncate":true,"italic":true,"lineThrough":false,"width":"50%"},
              {"type":"Transition","children":{"type":"Box","padding":2,"margin":{"top":1},"radius":"lg","border":{"top":1,"bottom":{"size":2,"style":"solid"}},"aspectRatio":1.5,"children":[]}}]}]}
        """,
        """
        {"type":"Card","children":[{"type":"Chart","data":[{"month":"Jan","sales":10,"cost":4.5},{"month":"Feb","sales":12,"cost":5}],
            "series":[{"type":"bar","label":"Sales","dataKey":"sales","stack":"a","color":"blue-500"},{"type":"line","dataKey":"cost","curveType":"monotone"},{"type":"area","dataKey":"cost","curveType":"stepAfter"}],
            "xAxis":{"dataKey":"month","hide":false,"labels":{"Jan":"January"}},"showLegend":true,"barGap":2,"height":200}]}
        """,
        """{"type":"Card","children":[{"type":"Chart","data":[],"series":[],"xAxis":"month"},{"type":"Button","submit":true,"iconStart":"lucide:rocket","iconEnd":"check","iconSize":"2xl","style":"primary","color":"caution","uniform":true,"block":true}]}""",
    ];

    [TestCaseSource(nameof(Fixtures))]
    public void Widgets_read_into_typed_classes_and_write_back_exactly(string json)
    {
        var root = ChatKitJson.Deserialize<WidgetRoot>(json);

        AssertJson(Json(root), json);
        SchemaValidator.AssertValid("ThreadItem", WrapInItem(Json(root)));
    }

    [Test]
    public void Components_are_typed_all_the_way_down()
    {
        var card = (Card)ChatKitJson.Deserialize<WidgetRoot>(Fixtures[3]);
        var form = card.Children.Should().ContainSingle().Which.Should().BeOfType<Form>().Subject;
        form.Children!.Select(c => c.GetType()).Should().Equal(
            typeof(Label), typeof(Input), typeof(Textarea), typeof(Select), typeof(DatePicker), typeof(Checkbox),
            typeof(RadioGroup), typeof(Divider), typeof(Text), typeof(Text), typeof(Transition));
        ((Text)form.Children![8]).Editable!.Value.Props!.Name.Should().Be("title");
        ((Text)form.Children![9]).Editable!.Value.Props.Should().BeNull();
        var box = ((Transition)form.Children![10]).Children.Should().BeOfType<Box>().Subject;
        box.Border!.Value.Sides!.Bottom!.Value.Border!.Size.Should().Be(2);
        box.Padding!.Value.All!.Value.Number.Should().Be(2);
    }

    [Test]
    public void Unknown_component_types_are_kept_and_written_back_unchanged()
    {
        const string json = """{"type":"Card","children":[{"type":"Table","id":"t","rows":[{"cells":["a","b"]}],"children":[{"type":"Text","value":"inner"}]},{"size":3,"type":"Sparkline","data":[1,2,3]}]}""";

        var card = (Card)ChatKitJson.Deserialize<WidgetRoot>(json);

        card.Children[0].Should().BeOfType<DynamicWidgetComponent>().Which.Type.Should().Be("Table");
        card.Children[0].Id.Should().BeNull("dynamic components keep id among their properties");
        ((DynamicWidgetComponent)card.Children[0]).Properties["id"]!.GetValue<string>().Should().Be("t");
        AssertJson(Json(card), json);

        var notARoot = () => ChatKitJson.Deserialize<WidgetRoot>("""{"children":[],"type":"FancyRoot","x":1}""");
        notARoot.Should().Throw<JsonException>().WithMessage("*Card, a ListView or a Basic*");
        var component = () => ChatKitJson.Deserialize<WidgetRoot>("""{"type":"Text","value":"x"}""");
        component.Should().Throw<JsonException>();
    }

    [Test]
    public void Type_may_come_last_and_unknown_props_of_known_components_are_ignored()
    {
        var root = ChatKitJson.Deserialize<WidgetRoot>("""{"children":[{"value":"hi","futureProp":1,"type":"Text"}],"type":"Card"}""");

        ((Text)((Card)root).Children[0]).Value.Should().Be("hi");
        AssertJson(Json(root), """{"type":"Card","children":[{"type":"Text","value":"hi"}]}""");
    }

    [Test]
    public void A_basic_root_keeps_the_props_its_schema_leaves_open()
    {
        // BasicRoot is an open shape in the schema (additionalProperties: true), as templates build it.
        const string json = """{"type":"Basic","id":"b","children":[{"type":"Text","value":"x"}],"direction":"col","gap":2,"theme":"dark"}""";

        var root = (BasicRoot)ChatKitJson.Deserialize<WidgetRoot>(json);

        root.Id.Should().Be("b");
        root.AdditionalProperties!.Keys.Should().BeEquivalentTo("direction", "gap", "theme");
        AssertJson(Json(root), json);
        var other = (BasicRoot)ChatKitJson.Deserialize<WidgetRoot>(json.Replace("\"gap\":2", "\"gap\":4"));
        WidgetDiff.Diff(root, other).Should().ContainSingle().Which.Should().BeOfType<WidgetRootUpdated>();
    }

    [Test]
    public void A_basic_root_may_hold_one_component_instead_of_a_list()
    {
        var root = (BasicRoot)ChatKitJson.Deserialize<WidgetRoot>("""{"type":"Basic","children":{"type":"Text","value":"x"},"gap":1}""");

        ((Text)root.Children!.Single()).Value.Should().Be("x");
        AssertJson(Json(root), """{"type":"Basic","children":[{"type":"Text","value":"x"}],"gap":1}""");
        ((BasicRoot)ChatKitJson.Deserialize<WidgetRoot>("""{"type":"Basic","children":null}""")).Children.Should().BeNull();
    }

    [TestCase("""{"type":"Card"}""", "children")]
    [TestCase("""{"type":"Card","children":[{"type":"Text"}]}""", "value")]
    [TestCase("""{"type":"Card","children":[{"value":"x"}]}""", "type")]
    [TestCase("""{"type":"Card","children":[{"type":"Text","value":"x","size":"huge"}]}""", "size")]
    public void Malformed_widgets_are_refused_with_a_message(string json, string mentions)
    {
        var act = () => ChatKitJson.Deserialize<WidgetRoot>(json);
        act.Should().Throw<JsonException>().Where(e => e.Message.Contains(mentions, StringComparison.OrdinalIgnoreCase) || (e.InnerException != null && e.InnerException.Message.Contains(mentions)));
    }

    [Test]
    public void A_widget_item_with_every_typed_component_validates_against_the_schema()
    {
        var all = Fixtures.Select(f => WrapInItem(JsonNode.Parse(f)!)).ToList();
        var items = all.Select(j => ChatKitJson.Deserialize<ThreadItem>(j)).ToList();
        items.Should().AllBeOfType<WidgetItem>();
        SchemaValidator.AssertValid("ThreadItem", all); // last: a missing validator skips the test here
    }

    private static string WrapInItem(JsonNode widget) =>
        new JsonObject { ["type"] = "widget", ["id"] = "msg_1", ["thread_id"] = "thr_1", ["created_at"] = "2026-11-23T10:00:00+00:00", ["widget"] = widget.DeepClone() }.ToJsonString();
}
