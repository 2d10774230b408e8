#!/usr/bin/env python3
"""Generates the typed widget components of src/ChatKit/Widgets/*.g.cs from the protocol's
JSON Schema (tests/ChatKit.Tests/Fixtures/schema/ThreadItem.schema.json).

Run from the repository root after the schema changes:  python3 tools/generate-widgets.py
Hand-written parts (value types, converters, dynamic widgets, diff) live beside the output.
"""
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests/ChatKit.Tests/Fixtures/schema/ThreadItem.schema.json"
OUT = ROOT / "src/ChatKit/Widgets"
defs = json.loads(SCHEMA.read_text())["$defs"]

ENUMS = {  # value set -> (C# name, summary)
    ("sm", "md", "lg", "full"): ("CardSize", "Width of a card."),
    ("light", "dark"): ("WidgetTheme", "A forced color theme."),
    ("start", "center", "end", "baseline", "stretch"): ("Alignment", "Cross-axis alignment of children."),
    ("start", "center", "end", "between", "around", "evenly", "stretch"): ("Justification", "Main-axis distribution of children."),
    ("nowrap", "wrap", "wrap-reverse"): ("FlexWrap", "Whether children wrap."),
    ("2xs", "xs", "sm", "md", "lg", "xl", "2xl", "3xl", "4xl", "full", "100%", "none"): ("Radius", "Corner radius."),
    ("row", "col"): ("Direction", "Layout direction."),
    ("normal", "medium", "semibold", "bold"): ("FontWeight", "Font weight."),
    ("xs", "sm", "md", "lg", "xl"): ("TextSize", "Size of body text."),
    ("start", "center", "end"): ("TextAlign", "Horizontal alignment."),
    ("sm", "md", "lg", "xl", "2xl", "3xl", "4xl", "5xl"): ("TitleSize", "Size of a title."),
    ("sm", "md", "lg"): ("CompactSize", "Small, medium or large (captions, badges)."),
    ("secondary", "success", "danger", "warning", "info", "discovery"): ("BadgeColor", "Color of a badge."),
    ("solid", "soft", "outline"): ("BadgeVariant", "Look of a badge."),
    ("primary", "secondary"): ("ButtonStyle", "Emphasis of a button."),
    ("sm", "md", "lg", "xl", "2xl"): ("ButtonIconSize", "Size of a button's icons."),
    ("primary", "secondary", "info", "discovery", "success", "caution", "warning", "danger"): ("ButtonColor", "Color of a button."),
    ("solid", "soft", "outline", "ghost"): ("ControlVariant", "Look of a control."),
    ("3xs", "2xs", "xs", "sm", "md", "lg", "xl", "2xl", "3xl"): ("ControlSize", "Size of a control."),
    ("cover", "contain", "fill", "scale-down", "none"): ("ImageFit", "How an image fills its box."),
    ("top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"): ("ImagePosition", "Where an image sits in its box."),
    ("xs", "sm", "md", "lg", "xl", "2xl", "3xl"): ("IconSize", "Size of an icon."),
    ("number", "email", "text", "password", "tel", "url"): ("InputType", "Kind of text input."),
    ("soft", "outline"): ("InputVariant", "Look of a text input."),
    ("2xs", "xs", "sm", "md", "lg", "xl"): ("GutterSize", "Inner padding of a text input."),
    ("top", "bottom", "left", "right"): ("Side", "Side a popover opens on."),
    ("basis", "basisClosed", "basisOpen", "bumpX", "bumpY", "bump", "linear", "linearClosed", "natural", "monotoneX", "monotoneY", "monotone", "step", "stepBefore", "stepAfter"): ("CurveType", "Interpolation of a chart line."),
    ("client", "server"): ("ActionHandler", "Who handles an action."),
    ("auto", "none", "self", "container"): ("LoadingBehavior", "What shows loading while an action runs."),
    ("solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"): ("BorderStyle", "Line style of a border."),
}
PROP_DOCS = {
    "align": "Alignment of children across the main axis.", "allowAutofillExtensions": "Whether browser autofill extensions may fill it.",
    "alt": "Alternative text for assistive technology.", "ariaLabel": "Accessible label of the group.",
    "asForm": "Treat the card as a form: its inputs are submitted with the confirm action.",
    "aspectRatio": "Width-to-height ratio (a number or a CSS value).", "autoFocus": "Focus it when it appears.",
    "autoResize": "Grow with its content.", "autoSelect": "Select its text on focus.", "background": "Background color: a token, a CSS color or a light/dark pair.",
    "barCategoryGap": "Gap between bar groups, in px.", "barGap": "Gap between bars of a group, in px.", "block": "Take the full width.",
    "border": "Border: a width in px, one border, or one per side.", "cancel": "The cancel action of the card.", "children": "The child components.",
    "clearable": "Show a button that clears the value.", "collapsed": "Show the card collapsed.", "color": "Color: a token, a CSS color or a light/dark pair.",
    "confirm": "The confirm action of the card.", "data": "The rows of the chart, one object per x value.", "defaultChecked": "Checked at first.",
    "defaultValue": "The value at first.", "direction": "Direction of the children.", "disabled": "Disable interaction.",
    "editable": "Make the text editable as a form field (or false).", "fieldName": "Name of the form field this label is for.",
    "fit": "How the image fills its box.", "flex": "Flex grow/shrink/basis (a number or a CSS value).", "flush": "Remove the outer spacing.",
    "frame": "Draw a frame around it.", "gap": "Space between children.", "gutterSize": "Inner padding.", "height": "Height (px or a CSS value).",
    "iconEnd": "Icon after the label.", "iconSize": "Size of the icons.", "iconStart": "Icon before the label.", "inputType": "Kind of input.",
    "italic": "Italic text.", "justify": "Distribution of children along the main axis.", "label": "The label shown.",
    "limit": "How many items show before \"show more\" (a number or auto).", "lineThrough": "Strike the text through.",
    "margin": "Outer spacing: one value or one per side.", "max": "Latest selectable date (ISO-8601).", "maxHeight": "Maximum height.",
    "maxLines": "Maximum number of lines before truncating.", "maxRows": "Maximum number of rows when resizing.", "maxSize": "Maximum width and height.",
    "maxWidth": "Maximum width.", "min": "Earliest selectable date (ISO-8601).", "minHeight": "Minimum height.", "minLines": "Minimum number of lines.",
    "minSize": "Minimum width and height.", "minWidth": "Minimum width.", "name": "Name of the form field (or of the icon).",
    "onChangeAction": "Action sent when the value changes.", "onClickAction": "Action sent on click.", "onSubmitAction": "Action sent when the form is submitted.",
    "options": "The choices.", "padding": "Inner spacing: one value or one per side.", "pattern": "A regular expression the value must match.",
    "pill": "Fully rounded ends.", "placeholder": "Text shown while empty.", "position": "Where the image sits in its box.", "radius": "Corner radius.",
    "required": "The field must be filled.", "rows": "Number of visible rows.", "searchable": "Filter the options by typing.",
    "series": "The data series drawn.", "showLegend": "Show the legend.", "showTooltip": "Show a tooltip on hover.", "showYAxis": "Show the y axis.",
    "side": "Side the picker opens on.", "size": "Size.", "spacing": "Space around the divider.", "src": "Address of the image.",
    "status": "Status line shown in the header (text with an icon or favicon).", "streaming": "The text is still streaming.",
    "style": "Emphasis of the button.", "submit": "Submit the enclosing form.", "textAlign": "Horizontal alignment of the text.",
    "theme": "Force a light or dark theme.", "truncate": "Truncate overflowing text with an ellipsis.", "uniform": "Same width and height (icon buttons).",
    "value": "The text (Markdown for Markdown components).", "variant": "Look of the component.", "weight": "Font weight.", "width": "Width (px or a CSS value).",
    "wrap": "Whether children wrap to new lines.", "xAxis": "The x axis: a data key, or its full configuration.",
}
WORDS = {"2": "Two", "3": "Three", "4": "Four", "5": "Five"}

def member(value):
    if value == "100%": return "Percent100"
    m = re.match(r"^(\d)(.*)$", value)
    if m: value = WORDS[m.group(1)] + m.group(2)[:1].upper() + m.group(2)[1:]
    parts = re.split(r"[-\s]", value)
    return "".join(p[:1].upper() + p[1:] for p in parts)

GROUPS = {
    "Roots": ["Card", "ListView", "ListViewItem", "BasicRoot"],
    "Layout": ["Box", "Row", "Col", "Form", "Divider", "Spacer", "Transition"],
    "Content": ["Text", "Title", "Caption", "Markdown", "Label", "Badge", "Icon", "Image"],
    "Controls": ["Button", "Input", "Textarea", "Select", "DatePicker", "Checkbox", "RadioGroup"],
    "Chart": ["Chart"],
}
ROOTS = {"Card", "ListView", "BasicRoot"}
WIRE_TYPE = {"BasicRoot": "Basic"}
SKIP = {"key", "id", "type"}
REFS = {"ActionConfig": "ActionConfig", "ListViewItem": "ListViewItem", "SelectOption": "SelectOption", "RadioOption": "RadioOption",
        "CardAction": "CardAction", "XAxisConfig": "XAxisConfig", "EditableProps": "EditableProps"}

def variants(p):
    vs = p.get("anyOf") or p.get("oneOf") or [p]
    return [v for v in vs if v.get("type") != "null"], any(v.get("type") == "null" for v in (p.get("anyOf") or []))

def csharp_type(comp, name, p):
    vs, nullable = variants(p)
    kinds = []
    for v in vs:
        if "$ref" in v: kinds.append(v["$ref"].split("/")[-1])
        elif "enum" in v: kinds.append(("enum", tuple(v["enum"])))
        elif "const" in v: kinds.append(("const", v["const"]))
        elif "pattern" in v: kinds.append("pattern")
        elif v.get("type") == "array": kinds.append(("array", v.get("items", {})))
        else: kinds.append(v.get("type"))
    simple = [k for k in kinds if isinstance(k, str)]
    if name == "children":
        if comp == "ListView": return "List<ListViewItem>", False
        if comp == "Transition": return "WidgetComponent", True
        return "List<WidgetComponent>", nullable or "required" not in defs[comp] or name not in defs[comp].get("required", [])
    if name in ("iconStart", "iconEnd") or (comp == "Icon" and name == "name") or name == "icon": return "string", nullable
    if any(isinstance(k, tuple) and k[0] == "enum" for k in kinds):
        values = next(k[1] for k in kinds if isinstance(k, tuple) and k[0] == "enum")
        return ENUMS[values][0], nullable
    if name == "limit": return "ListLimit", nullable
    if name == "editable": return "EditableValue", nullable
    if name == "xAxis": return "XAxis", nullable
    if name == "status": return "WidgetStatus", nullable
    if name == "series": return "List<ChartSeries>", nullable
    if name == "data" and comp == "Chart": return "List<JsonObject>", nullable
    if set(simple) >= {"string", "ThemeColor"}: return "WidgetColor", nullable
    if "Spacing" in simple: return "SpacingValue", nullable
    if "Border" in simple: return "BorderValue", nullable
    if set(simple) in ({"number", "string"}, {"integer", "string"}): return "Dimension", nullable
    if len(kinds) == 1:
        k = kinds[0]
        if isinstance(k, tuple) and k[0] == "array":
            item = k[1].get("$ref", "").split("/")[-1]
            return f"List<{REFS[item]}>", nullable
        if k in REFS: return REFS[k], nullable
        return {"string": "string", "boolean": "bool", "integer": "int", "number": "double", "object": "JsonObject"}[k], nullable
    raise SystemExit(f"no mapping for {comp}.{name}: {kinds}")

def prop_name(name):
    return name[:1].upper() + name[1:]

def doc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip().split("\n")[0]

def emit_component(comp):
    d = defs[comp]
    required = set(d.get("required", []))
    base = "WidgetRoot" if comp in ROOTS else "WidgetComponent"
    wire = WIRE_TYPE.get(comp, comp)
    summary = doc(d.get("description") or f"The {wire} widget component.")
    lines = [f"/// <summary>{summary} (<c>{wire}</c>)</summary>", f"public sealed class {comp} : {base}", "{",
             f"    /// <inheritdoc />", f'    [JsonPropertyName("type"), JsonPropertyOrder(-10)]', f'    public override string Type => "{wire}";', ""]
    for name, p in d.get("properties", {}).items():
        if name in SKIP: continue
        ctype, nullable = csharp_type(comp, name, p)
        req = name in required
        desc = doc(p.get("description") or PROP_DOCS.get(name) or p.get("title") or name)
        lines.append(f"    /// <summary>{desc}</summary>")
        lines.append(f'    [JsonPropertyName("{name}")]')
        if comp == "BasicRoot" and name == "children":
            # The schema allows one component as well as a list; one is read as a list of one.
            lines.append("    [JsonConverter(typeof(OneOrManyComponentsConverter))]")
        if req:
            lines.append(f"    public required {ctype} {prop_name(name)} {{ get; set; }}")
        else:
            lines.append(f"    public {ctype}? {prop_name(name)} {{ get; set; }}")
        lines.append("")
    if d.get("additionalProperties") is True:
        # An open shape (the Basic root of templates): props the schema does not list are kept and written back.
        lines.append("    /// <summary>Props beyond the listed ones (a template's layout props), kept as sent and written back.</summary>")
        lines.append("    [JsonExtensionData]")
        lines.append("    public Dictionary<string, System.Text.Json.JsonElement>? AdditionalProperties { get; set; }")
        lines.append("")
    lines[-1] = "}"
    return "\n".join(lines) + "\n"

header = "// <auto-generated>\n// Generated by tools/generate-widgets.py from the protocol's JSON Schema. Do not edit by hand.\n// </auto-generated>\n#nullable enable\n"
for group, comps in GROUPS.items():
    body = [header, "using System.Text.Json.Nodes;", "using System.Text.Json.Serialization;", "", "namespace ChatKit.Widgets;", ""]
    body += [emit_component(c) for c in comps]
    (OUT / f"{group}.g.cs").write_text("\n".join(body))

enum_lines = [header, "using System.Text.Json.Serialization;", "using ChatKit.Json;", "", "namespace ChatKit.Widgets;", ""]
for values, (name, summary) in ENUMS.items():
    enum_lines.append(f"/// <summary>{summary}</summary>")
    enum_lines.append(f"[JsonConverter(typeof(WireNameEnumConverter<{name}>))]")
    enum_lines.append(f"public enum {name}")
    enum_lines.append("{")
    for v in values:
        enum_lines.append(f"    /// <summary><c>{v}</c></summary>")
        enum_lines.append(f'    [JsonStringEnumMemberName("{v}")] {member(v)},')
    enum_lines.append("}")
    enum_lines.append("")
(OUT / "Enums.g.cs").write_text("\n".join(enum_lines))

icons = next(v for v in defs["Icon"]["properties"]["name"].get("anyOf", [defs["Icon"]["properties"]["name"]]) if "enum" in v)["enum"]
icon_lines = [header, "namespace ChatKit.Widgets;", "", "/// <summary>The icon names ChatKit knows; <c>vendor:…</c> and <c>lucide:…</c> names are accepted too.</summary>",
              "public static class WidgetIcons", "{"]
for i in icons:
    icon_lines.append(f"    /// <summary><c>{i}</c></summary>")
    icon_lines.append(f'    public const string {member(i)} = "{i}";')
icon_lines.append("}")
(OUT / "WidgetIcons.g.cs").write_text("\n".join(icon_lines) + "\n")

serializable = [c for cs in GROUPS.values() for c in cs]
(OUT / "KnownComponents.g.cs").write_text(header + "\nnamespace ChatKit.Widgets;\n\ninternal static class KnownComponents\n{\n"
    "    /// <summary>Wire type name → C# type of every typed component (roots included).</summary>\n"
    "    public static readonly Dictionary<string, Type> ByWireType = new(StringComparer.Ordinal)\n    {\n"
    + "".join(f'        ["{WIRE_TYPE.get(c, c)}"] = typeof({c}),\n' for c in serializable) + "    };\n\n"
    "    public static readonly HashSet<string> Roots = new(StringComparer.Ordinal) { " + ", ".join(f'"{WIRE_TYPE.get(c, c)}"' for c in sorted(ROOTS)) + " };\n}\n")
print("generated:", ", ".join(sorted(p.name for p in OUT.glob("*.g.cs"))))
print("[JsonSerializable] list for ChatKitJsonContext:")
for c in serializable: print(f"[JsonSerializable(typeof(ChatKit.Widgets.{c}))]")
