using System.Text.Json.Serialization;

namespace ChatKit.Json;

/// <summary>
/// Reads and writes an enum of the protocol by its wire names only (<see cref="JsonStringEnumMemberNameAttribute"/>).
/// The plain <see cref="JsonStringEnumConverter{TEnum}"/> also reads integers, any integer: <c>"kind": 99</c> was kept as
/// feedback, <c>"order": 5</c> read as a sort order and <c>"size": 3</c> published in a widget, none of which the protocol
/// sends. Every enum of ChatKit names this converter.
/// </summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public sealed class WireNameEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
