namespace ChatKit;

/// <summary>
/// An item of a page on its way to a client (<see cref="IChatKitStore.LoadVisibleWireItemsAsync"/>): either the item, or
/// the JSON its store keeps for it when the store can vouch that this JSON is exactly what serializing the item with
/// <see cref="Json.ChatKitJson"/> would write, so it is sent as it is. Exactly one of <see cref="Item"/> and
/// <see cref="Json"/> is set.
/// </summary>
public readonly struct WireItem
{
    /// <summary>An item to serialize.</summary>
    public WireItem(ThreadItem item) => Item = item ?? throw new ArgumentNullException(nameof(item));

    /// <summary>
    /// An item's wire JSON, sent without being read or checked: only for JSON the store knows to be what this build's
    /// serializer wrote for an item whose stored form is its wire form (<see cref="Json.ChatKitStorageJson.IsWireForm"/>).
    /// </summary>
    public WireItem(string json) => Json = json ?? throw new ArgumentNullException(nameof(json));

    /// <summary>The item, when it is to be serialized.</summary>
    public ThreadItem? Item { get; }

    /// <summary>The item's wire JSON, when it is to be sent as it is.</summary>
    public string? Json { get; }
}
