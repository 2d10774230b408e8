namespace ChatKit;

/// <summary>Limits a request body must keep to before it is read (see <see cref="ChatKitRequestParser.Parse(ReadOnlySpan{byte}, ChatKitRequestLimits?)"/>).</summary>
public sealed record ChatKitRequestLimits
{
    /// <summary>The defaults: strings of 256 Ki characters, property names of 256.</summary>
    public static ChatKitRequestLimits Default { get; } = new();

    /// <summary>The longest string accepted anywhere in a request, in characters (a message, a title, an id, metadata…).</summary>
    public int MaxStringLength { get; init; } = 256 * 1024;

    /// <summary>The longest property name accepted anywhere in a request, in characters (metadata keys included).</summary>
    public int MaxPropertyNameLength { get; init; } = 256;
}
